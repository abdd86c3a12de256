import { AppError } from '@coffer/platform';
import { describe, expect, it } from 'vitest';
import { checkRule, slidingWindowConsume, slidingWindowRefund, type CheckedRule, type WindowState } from './sliding-window.js';

/** Applies one consume and returns the decision together with the state to keep. */
function step(state: WindowState | undefined, now: number, rule: CheckedRule) {
  const { decision, next } = slidingWindowConsume(state, now, rule);
  return { decision, state: next ?? state };
}

/** Small deterministic PRNG (mulberry32), so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const T0 = 1_800_000_000_000; // a window boundary for every window length used below

describe('slidingWindowConsume', () => {
  const rule: CheckedRule = { limit: 10, windowMs: 1_000, cost: 1 };

  it('allows a fresh key and reports the full reset time', () => {
    expect(slidingWindowConsume(undefined, T0, rule)).toEqual({
      decision: { allowed: true, remaining: 9, retryAfterMs: 0, resetMs: 2_000 },
      next: { window: T0 / 1_000, current: 1, previous: 0 },
    });
    expect(slidingWindowConsume(undefined, T0 + 250, rule).decision.resetMs).toBe(1_750);
  });

  it('allows exactly the limit in one window, then says when the next call fits', () => {
    let state: WindowState | undefined;
    for (let i = 0; i < 10; i++) {
      const result = step(state, T0, rule);
      expect(result.decision).toMatchObject({ allowed: true, remaining: 9 - i });
      state = result.state;
    }
    const denied = step(state, T0, rule).decision;
    // Next window, once the previous window's weight is down to 0.9: 1000 + 100 ms.
    expect(denied).toEqual({ allowed: false, remaining: 0, retryAfterMs: 1_100, resetMs: 2_000 });
    expect(step(state, T0 + 1_099, rule).decision.allowed).toBe(false);
    expect(step(state, T0 + 1_100, rule).decision).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0, resetMs: 1_900 });
  });

  it('weights the previous window by its overlap with the sliding window', () => {
    let state: WindowState | undefined;
    for (let i = 0; i < 10; i++) state = step(state, T0 + 100, rule).state;
    // Half-way through the next window: 10 * 0.5 + 0 used, so 5 left before this call.
    expect(step(state, T0 + 1_500, rule).decision).toMatchObject({ allowed: true, remaining: 4 });
    // Two windows later nothing is remembered.
    expect(step(state, T0 + 2_000, rule).decision).toMatchObject({ allowed: true, remaining: 9 });
  });

  it('counts costs, and a denied call consumes nothing', () => {
    const bytes: CheckedRule = { limit: 100, windowMs: 1_000, cost: 30 };
    let state: WindowState | undefined;
    for (const remaining of [70, 40, 10]) {
      const result = step(state, T0, bytes);
      expect(result.decision).toMatchObject({ allowed: true, remaining });
      state = result.state;
    }
    const denied = step(state, T0, bytes);
    expect(denied.decision).toMatchObject({ allowed: false, remaining: 10 });
    expect(denied.state).toBe(state);
    expect(step(state, T0, { ...bytes, cost: 10 }).decision).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('treats cost 0 as a look that changes nothing', () => {
    const first = step(undefined, T0, rule);
    const look = slidingWindowConsume(first.state, T0 + 10, { ...rule, cost: 0 });
    expect(look).toEqual({ decision: { allowed: true, remaining: 9, retryAfterMs: 0, resetMs: 1_990 }, next: undefined });
  });

  it('never passes more than the limit in an aligned window, and about the limit under steady overload', () => {
    const windowRule: CheckedRule = { limit: 50, windowMs: 1_000, cost: 1 };
    let state: WindowState | undefined;
    const perWindow = new Map<number, number>();
    for (let t = T0; t < T0 + 20_000; t += 2) {
      const result = step(state, t, windowRule);
      state = result.state;
      if (result.decision.allowed) {
        const window = Math.floor(t / 1_000);
        perWindow.set(window, (perWindow.get(window) ?? 0) + 1);
      }
    }
    for (const count of perWindow.values()) {
      expect(count).toBeLessThanOrEqual(50);
      expect(count).toBeGreaterThanOrEqual(48);
    }
  });

  it('gives a retryAfterMs that is exactly long enough, and a resetMs after which all is free', () => {
    const random = prng(7);
    for (let run = 0; run < 3_000; run++) {
      const limit = 1 + Math.floor(random() * 20);
      const windowMs = [7, 100, 1_000, 60_000][Math.floor(random() * 4)] ?? 1_000;
      let now = T0 + Math.floor(random() * windowMs * 3);
      let state: WindowState | undefined;
      // Random history, then a random call.
      for (let i = Math.floor(random() * 40); i > 0; i--) {
        now += Math.floor(random() * (windowMs / 5));
        state = step(state, now, { limit, windowMs, cost: 1 + Math.floor(random() * limit) }).state;
      }
      const call: CheckedRule = { limit, windowMs, cost: 1 + Math.floor(random() * limit) };
      const { decision } = slidingWindowConsume(state, now, call);
      if (!decision.allowed) {
        expect(decision.retryAfterMs).toBeGreaterThan(0);
        expect(slidingWindowConsume(state, now + decision.retryAfterMs, call).decision.allowed).toBe(true);
        expect(slidingWindowConsume(state, now + decision.retryAfterMs - 1, call).decision.allowed).toBe(false);
      }
      const after = decision.allowed ? slidingWindowConsume(state, now, call).next : state;
      expect(slidingWindowConsume(after, now + decision.resetMs, { ...call, cost: 0 }).decision.remaining).toBe(limit);
    }
  });

  it('keeps counting in the stored window when the clock steps back', () => {
    let state: WindowState | undefined;
    for (let i = 0; i < 10; i++) state = step(state, T0 + 5_000, rule).state;
    expect(step(state, T0 + 4_000, rule).decision.allowed).toBe(false);
  });

  it('stays exact for byte-sized limits', () => {
    const big: CheckedRule = { limit: 10 * 1024 ** 3, windowMs: 3_600_000, cost: 1024 ** 3 };
    let state: WindowState | undefined;
    for (let i = 9; i >= 0; i--) {
      const result = step(state, T0 + 10, big);
      expect(result.decision).toMatchObject({ allowed: true, remaining: i * 1024 ** 3 });
      state = result.state;
    }
    expect(step(state, T0 + 10, { ...big, cost: 1 }).decision.allowed).toBe(false);
  });
});

describe('slidingWindowRefund', () => {
  const rule: CheckedRule = { limit: 10, windowMs: 1_000, cost: 1 };
  const W = T0 / 1_000;

  it('lowers the current window and keeps the expiry consume would give', () => {
    expect(slidingWindowRefund({ window: W, current: 3, previous: 4 }, T0 + 250, rule)).toEqual({
      next: { window: W, current: 2, previous: 4 },
      resetMs: 1_750,
    });
    // Only the previous window is left: the state matters until this window ends.
    expect(slidingWindowRefund({ window: W, current: 1, previous: 4 }, T0 + 250, rule)).toEqual({
      next: { window: W, current: 0, previous: 4 },
      resetMs: 750,
    });
  });

  it('lowers the window before when the consume happened there, which now counts as previous', () => {
    expect(slidingWindowRefund({ window: W - 1, current: 5, previous: 9 }, T0 + 400, { ...rule, cost: 2 })).toEqual({
      next: { window: W, current: 0, previous: 3 },
      resetMs: 600,
    });
  });

  it('has nothing to refund for older state or no state, and nothing to keep when all is given back', () => {
    expect(slidingWindowRefund(undefined, T0, rule)).toBeUndefined();
    expect(slidingWindowRefund({ window: W - 2, current: 5, previous: 5 }, T0, rule)).toBeUndefined();
    expect(slidingWindowRefund({ window: W, current: 1, previous: 0 }, T0 + 10, rule)).toBeUndefined();
    expect(slidingWindowRefund({ window: W - 1, current: 3, previous: 7 }, T0 + 10, { ...rule, cost: 5 })).toBeUndefined();
  });

  it('never goes below zero', () => {
    expect(slidingWindowRefund({ window: W, current: 2, previous: 6 }, T0, { ...rule, cost: 10 })).toEqual({
      next: { window: W, current: 0, previous: 6 },
      resetMs: 1_000,
    });
  });

  it('keeps counting in the stored window when the clock steps back', () => {
    expect(slidingWindowRefund({ window: W + 3, current: 4, previous: 0 }, T0 + 100, rule)?.next).toEqual({ window: W + 3, current: 3, previous: 0 });
  });

  it('undoes a consume: consume then refund decides like no consume at all', () => {
    const random = prng(11);
    for (let run = 0; run < 2_000; run++) {
      const limit = 1 + Math.floor(random() * 20);
      const windowMs = [7, 100, 1_000, 60_000][Math.floor(random() * 4)] ?? 1_000;
      let now = T0 + Math.floor(random() * windowMs * 3);
      let state: WindowState | undefined;
      for (let i = Math.floor(random() * 30); i > 0; i--) {
        now += Math.floor(random() * (windowMs / 5));
        state = step(state, now, { limit, windowMs, cost: 1 + Math.floor(random() * limit) }).state;
      }
      const call: CheckedRule = { limit, windowMs, cost: 1 + Math.floor(random() * limit) };
      const consumed = slidingWindowConsume(state, now, call);
      if (consumed.next === undefined) continue;
      const refunded = slidingWindowRefund(consumed.next, now, call)?.next;
      const look = { ...call, cost: 0 };
      expect(slidingWindowConsume(refunded, now, look).decision).toEqual(slidingWindowConsume(state, now, look).decision);
    }
  });
});

describe('checkRule', () => {
  it('defaults cost to 1', () => {
    expect(checkRule('k', { limit: 5, windowMs: 10 })).toEqual({ limit: 5, windowMs: 10, cost: 1 });
  });

  it('rejects malformed keys and rules with invalid_argument', () => {
    const bad: [string, { limit: number; windowMs: number; cost?: number }][] = [
      ['', { limit: 1, windowMs: 1 }],
      ['k', { limit: 0, windowMs: 1 }],
      ['k', { limit: 1.5, windowMs: 1 }],
      ['k', { limit: Number.POSITIVE_INFINITY, windowMs: 1 }],
      ['k', { limit: 1, windowMs: 0 }],
      ['k', { limit: 1, windowMs: Number.NaN }],
      ['k', { limit: 1, windowMs: 366 * 86_400_000 + 1 }],
      ['k', { limit: 1, windowMs: 1, cost: -1 }],
      ['k', { limit: 1, windowMs: 1, cost: 0.5 }],
      ['k', { limit: 1, windowMs: 1, cost: 2 }],
    ];
    for (const [key, rule] of bad) {
      let thrown: unknown;
      try {
        checkRule(key, rule);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, JSON.stringify([key, rule])).toBeInstanceOf(AppError);
      expect(thrown).toMatchObject({ code: 'invalid_argument' });
    }
  });
});
