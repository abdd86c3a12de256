import { describe, expect, it } from 'vitest';
import { describeRateLimiterContract } from '../test/rate-limiter.contract.js';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import type { RateLimiter } from './rate-limiter.js';

const opened: RateLimiter[] = [];

function open(): MemoryRateLimiter {
  const limiter = new MemoryRateLimiter();
  opened.push(limiter);
  return limiter;
}

describeRateLimiterContract('in-memory', {
  open: () => Promise.resolve(open()),
  // One process, one map: "instances" share a limit only by sharing the limiter.
  openShared: (count) => {
    const limiter = open();
    return Promise.resolve(Array.from({ length: count }, () => limiter));
  },
  cleanup: async () => {
    await Promise.all(opened.map((limiter) => limiter.close()));
  },
});

describe('MemoryRateLimiter with a manual clock', () => {
  it('decides by the injected clock, to the millisecond', async () => {
    let now = 1_800_000_000_000;
    const limiter = new MemoryRateLimiter({ clock: () => now });
    const rule = { limit: 2, windowMs: 1_000 };
    await limiter.consume('k', rule);
    await limiter.consume('k', rule);
    const denied = await limiter.consume('k', rule);
    expect(denied).toEqual({ allowed: false, remaining: 0, retryAfterMs: 1_500, resetMs: 2_000 });
    now += 1_499;
    expect((await limiter.consume('k', rule)).allowed).toBe(false);
    now += 1;
    expect(await limiter.consume('k', rule)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0, resetMs: 1_500 });
  });

  it('drops keys whose state no longer matters', async () => {
    let now = 1_800_000_000_000;
    const limiter = new MemoryRateLimiter({ clock: () => now, sweepIntervalMs: 10_000 });
    for (let i = 0; i < 100; i++) await limiter.consume(`k${i}`, { limit: 1, windowMs: 1_000 });
    now += 60_000;
    await limiter.consume('other', { limit: 1, windowMs: 1_000 });
    // Internal, but the point of the sweep: the map does not keep dead keys.
    expect((limiter as unknown as { entries: Map<string, unknown> }).entries.size).toBe(1);
  });
});
