import { describe, expect, it } from 'vitest';
import { decideRetry, isReplayableRequest, parseRetryAfter, retryDelayMs, type RequestRetryTraits } from './retry-policy.js';

const settings = { retries: 3, baseDelayMs: 100, maxDelayMs: 5_000 };
const get: RequestRetryTraits = { method: 'GET', idempotencyKey: false, ifMatch: false, replayableBody: true };
const post: RequestRetryTraits = { method: 'POST', idempotencyKey: false, ifMatch: false, replayableBody: true };

describe('which requests may be repeated', () => {
  it('repeats GET, HEAD and DELETE', () => {
    for (const method of ['GET', 'HEAD', 'DELETE']) expect(isReplayableRequest({ ...get, method })).toBe(true);
  });
  it('repeats PATCH only with If-Match', () => {
    expect(isReplayableRequest({ ...get, method: 'PATCH' })).toBe(false);
    expect(isReplayableRequest({ ...get, method: 'PATCH', ifMatch: true })).toBe(true);
  });
  it('repeats POST only with an Idempotency-Key and a replayable body', () => {
    expect(isReplayableRequest(post)).toBe(false);
    expect(isReplayableRequest({ ...post, idempotencyKey: true })).toBe(true);
    expect(isReplayableRequest({ ...post, idempotencyKey: true, replayableBody: false })).toBe(false);
  });
  it('never repeats PUT without a key', () => {
    expect(isReplayableRequest({ ...get, method: 'PUT' })).toBe(false);
  });
});

describe('decideRetry', () => {
  it('retries network errors, 429, 502, 503 and 504', () => {
    expect(decideRetry(get, { kind: 'network-error' }, 1, settings, () => 0).retry).toBe(true);
    for (const status of [429, 502, 503, 504]) expect(decideRetry(get, { kind: 'answer', status }, 1, settings, () => 0).retry).toBe(true);
  });
  it('never retries other 4xx or 500', () => {
    for (const status of [400, 401, 403, 404, 409, 412, 413, 422, 500]) expect(decideRetry(get, { kind: 'answer', status }, 1, settings).retry).toBe(false);
  });
  it('stops after the configured retries', () => {
    expect(decideRetry(get, { kind: 'answer', status: 503 }, 3, settings).retry).toBe(true);
    expect(decideRetry(get, { kind: 'answer', status: 503 }, 4, settings).retry).toBe(false);
    expect(decideRetry(get, { kind: 'answer', status: 503 }, 1, { ...settings, retries: 0 }).retry).toBe(false);
  });
  it('does not retry a POST without a key, even on 503', () => {
    expect(decideRetry(post, { kind: 'answer', status: 503 }, 1, settings).retry).toBe(false);
  });
  it('waits what Retry-After says', () => {
    expect(decideRetry(get, { kind: 'answer', status: 429, retryAfterSeconds: 2 }, 1, settings)).toEqual({ retry: true, delayMs: 2_000 });
  });
});

describe('retryDelayMs', () => {
  it('doubles with each retry, jittered between half and all of the step', () => {
    expect(retryDelayMs(1, undefined, settings, () => 0)).toBe(50);
    expect(retryDelayMs(1, undefined, settings, () => 1)).toBe(100);
    expect(retryDelayMs(3, undefined, settings, () => 1)).toBe(400);
    expect(retryDelayMs(3, undefined, settings, () => 0)).toBe(200);
  });
  it('caps the delay, Retry-After included', () => {
    expect(retryDelayMs(20, undefined, settings, () => 1)).toBe(5_000);
    expect(retryDelayMs(1, 3_600, settings)).toBe(5_000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads seconds', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 120 ', now)).toBe(120);
  });
  it('reads an HTTP date, never negative', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
  });
  it('ignores absent and unreadable values', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
  });
});
