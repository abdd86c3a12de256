import { describe, expect, it } from 'vitest';
import { loadEngineEndpoints } from './engine-endpoints.js';
import { EngineUnreachableError, describeError, requireEngine } from './require-engine.js';

const endpoints = loadEngineEndpoints({ env: {}, envFile: '/nonexistent/coffer/env' });

describe('requireEngine', () => {
  it('resolves when the probe answers', async () => {
    await expect(requireEngine('redis', () => Promise.resolve('PONG'), { endpoints })).resolves.toBeUndefined();
  });

  it('fails with the engine, its address, the cause and how to start it', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:59092'), { code: 'ECONNREFUSED' });
    const attempt = requireEngine('kafka', () => Promise.reject(refused), { endpoints });

    await expect(attempt).rejects.toThrow(EngineUnreachableError);
    await expect(attempt).rejects.toThrow(
      'kafka is not reachable at 127.0.0.1:59092 (connect ECONNREFUSED 127.0.0.1:59092). ' +
        'Start the engines with `tools/engines/engines.sh up kafka`.',
    );
    await expect(attempt).rejects.toMatchObject({ engine: 'kafka', address: '127.0.0.1:59092', cause: refused });
  });

  it('fails when the probe throws before returning a promise', async () => {
    const probe = (): Promise<never> => {
      throw new TypeError('bad probe');
    };
    await expect(requireEngine('s3', probe, { endpoints })).rejects.toThrow(/^s3 is not reachable at 127\.0\.0\.1:59000 \(bad probe\)/);
  });

  it('gives up after the timeout and aborts the probe', async () => {
    let seen: AbortSignal | undefined;
    const hanging = (signal: AbortSignal) => {
      seen = signal;
      return new Promise<never>(() => undefined);
    };
    const started = Date.now();

    await expect(requireEngine('postgres', hanging, { endpoints, timeoutMs: 50 })).rejects.toThrow(
      /^postgres is not reachable at 127\.0\.0\.1:55432 \(no answer within 50 ms\)\. Start the engines with `tools\/engines\/engines\.sh up postgres`\.$/,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(seen?.aborted).toBe(true);
  });

  it('does not leak a late rejection after the timeout', async () => {
    const late = () => new Promise<never>((_, reject) => setTimeout(() => reject(new Error('late')), 80));
    await expect(requireEngine('redis', late, { endpoints, timeoutMs: 20 })).rejects.toThrow(/no answer within 20 ms/);
    await new Promise((resolve) => setTimeout(resolve, 120));
  });
});

describe('describeError', () => {
  it('uses the message, then the code, then the name', () => {
    expect(describeError(new Error('boom'))).toBe('boom');
    expect(describeError(Object.assign(new Error(''), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED');
    expect(describeError(new RangeError(''))).toBe('RangeError');
    expect(describeError('plain string')).toBe('plain string');
    expect(describeError(undefined)).toBe('unknown error');
  });

  it('looks inside an AggregateError with no message (dual-stack connect)', () => {
    const error = new AggregateError(
      [new Error('connect ECONNREFUSED ::1:56379'), new Error('connect ECONNREFUSED 127.0.0.1:56379')],
      '',
    );
    expect(describeError(error)).toBe('connect ECONNREFUSED ::1:56379; connect ECONNREFUSED 127.0.0.1:56379');
  });

  it('follows causes without repeating text already shown', () => {
    const inner = new Error('connect ECONNREFUSED 127.0.0.1:59092');
    expect(describeError(new Error('Connection error', { cause: inner }))).toBe(
      'Connection error: connect ECONNREFUSED 127.0.0.1:59092',
    );
    expect(describeError(new Error(`wrapped: ${inner.message}`, { cause: inner }))).toBe(
      'wrapped: connect ECONNREFUSED 127.0.0.1:59092',
    );
  });
});
