import { randomBytes } from 'node:crypto';
import { AppError, type ErrorCode } from '@coffer/platform';
import { afterAll, describe, expect, it } from 'vitest';
import type { RateLimiter, RateLimitRule } from '../src/index.js';

/**
 * The one contract every {@link RateLimiter} meets, run against real Redis (test/redis.test.ts)
 * and the in-memory limiter (src/memory-rate-limiter.test.ts). Time is real: short windows and
 * real waiting for refill and reset, long windows (60 s) where a test must not cross a window
 * boundary by accident.
 */

/** Gives the suite limiters and removes what they stored afterwards. */
export interface RateLimiterHarness {
  /** A new limiter in its own namespace (for Redis: its own key prefix). */
  open(): Promise<RateLimiter>;
  /**
   * Handles on one shared namespace, as separate gateway instances would hold them: for Redis,
   * `count` limiters on separate connections with one prefix; for memory, the same limiter.
   */
  openShared(count: number): Promise<RateLimiter[]>;
  /** Closes every limiter opened and deletes their data. */
  cleanup(): Promise<void>;
}

const MINUTE: RateLimitRule = { limit: 10, windowMs: 60_000 };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function key(name: string): string {
  return `${name}:${randomBytes(9).toString('base64url')}`;
}

async function expectAppError(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
}

/** Registers the contract tests for one implementation. */
export function describeRateLimiterContract(name: string, harness: RateLimiterHarness): void {
  describe(`RateLimiter contract: ${name}`, () => {
    afterAll(() => harness.cleanup());

    it('allows a fresh key and reports what is left', async () => {
      const limiter = await harness.open();
      const decision = await limiter.consume(key('fresh'), MINUTE);
      expect(decision).toMatchObject({ allowed: true, remaining: 9, retryAfterMs: 0 });
      expect(decision.resetMs).toBeGreaterThan(60_000);
      expect(decision.resetMs).toBeLessThanOrEqual(120_000);
    });

    it('allows exactly the limit, then denies without consuming and says when to retry', async () => {
      const limiter = await harness.open();
      const k = key('burst');
      for (let i = 9; i >= 0; i--) {
        expect(await limiter.consume(k, MINUTE)).toMatchObject({ allowed: true, remaining: i, retryAfterMs: 0 });
      }
      for (let i = 0; i < 3; i++) {
        const denied = await limiter.consume(k, MINUTE);
        expect(denied).toMatchObject({ allowed: false, remaining: 0 });
        expect(denied.retryAfterMs).toBeGreaterThan(0);
        expect(denied.retryAfterMs).toBeLessThanOrEqual(120_000);
        expect(denied.resetMs).toBeGreaterThanOrEqual(denied.retryAfterMs);
      }
      expect(await limiter.consume(k, { ...MINUTE, cost: 0 })).toMatchObject({ allowed: true, remaining: 0 });
    });

    it('counts costs; a call that does not fit is denied whole', async () => {
      const limiter = await harness.open();
      const k = key('cost');
      const rule = { limit: 100, windowMs: 60_000 };
      expect(await limiter.consume(k, { ...rule, cost: 40 })).toMatchObject({ allowed: true, remaining: 60 });
      expect(await limiter.consume(k, { ...rule, cost: 61 })).toMatchObject({ allowed: false, remaining: 60 });
      expect(await limiter.consume(k, { ...rule, cost: 60 })).toMatchObject({ allowed: true, remaining: 0 });
      expect(await limiter.consume(k, { ...rule, cost: 1 })).toMatchObject({ allowed: false, remaining: 0 });
    });

    it('treats cost 0 as a look that consumes nothing', async () => {
      const limiter = await harness.open();
      const k = key('look');
      expect(await limiter.consume(k, { ...MINUTE, cost: 0 })).toEqual({ allowed: true, remaining: 10, retryAfterMs: 0, resetMs: 0 });
      await limiter.consume(k, { ...MINUTE, cost: 3 });
      expect(await limiter.consume(k, { ...MINUTE, cost: 0 })).toMatchObject({ allowed: true, remaining: 7 });
      expect(await limiter.consume(k, { ...MINUTE, cost: 0 })).toMatchObject({ allowed: true, remaining: 7 });
    });

    it('keeps keys apart, including keys that share a prefix', async () => {
      const limiter = await harness.open();
      const a = key('apart');
      for (let i = 0; i < 10; i++) await limiter.consume(a, MINUTE);
      expect((await limiter.consume(a, MINUTE)).allowed).toBe(false);
      expect(await limiter.consume(`${a}:x`, MINUTE)).toMatchObject({ allowed: true, remaining: 9 });
      expect(await limiter.consume(a.slice(0, -1), MINUTE)).toMatchObject({ allowed: true, remaining: 9 });
    });

    it('reset gives the whole limit back', async () => {
      const limiter = await harness.open();
      const k = key('reset');
      for (let i = 0; i < 10; i++) await limiter.consume(k, MINUTE);
      await limiter.reset(k);
      expect(await limiter.consume(k, MINUTE)).toMatchObject({ allowed: true, remaining: 9 });
      await expect(limiter.reset(key('never-used'))).resolves.toBeUndefined();
    });

    it('refund gives consumed units back, one call at a time', async () => {
      const limiter = await harness.open();
      const k = key('refund');
      for (let i = 0; i < 10; i++) await limiter.consume(k, MINUTE);
      expect((await limiter.consume(k, MINUTE)).allowed).toBe(false);
      await expect(limiter.refund(k, MINUTE)).resolves.toBeUndefined();
      expect(await limiter.consume(k, { ...MINUTE, cost: 0 })).toMatchObject({ allowed: true, remaining: 1 });
      expect(await limiter.consume(k, MINUTE)).toMatchObject({ allowed: true, remaining: 0 });
      expect((await limiter.consume(k, MINUTE)).allowed).toBe(false);
    });

    it('refund never goes below zero and never creates a key', async () => {
      const limiter = await harness.open();
      const fresh = key('refund-fresh');
      await limiter.refund(fresh, MINUTE);
      await limiter.refund(fresh, { ...MINUTE, cost: 10 });
      expect(await limiter.consume(fresh, { ...MINUTE, cost: 0 })).toEqual({ allowed: true, remaining: 10, retryAfterMs: 0, resetMs: 0 });
      for (let i = 9; i >= 0; i--) expect(await limiter.consume(fresh, MINUTE)).toMatchObject({ allowed: true, remaining: i });
      expect((await limiter.consume(fresh, MINUTE)).allowed).toBe(false);

      const k = key('refund-floor');
      await limiter.consume(k, { ...MINUTE, cost: 2 });
      await limiter.refund(k, { ...MINUTE, cost: 5 });
      // Nothing is left: the key is as if never used.
      expect(await limiter.consume(k, { ...MINUTE, cost: 0 })).toEqual({ allowed: true, remaining: 10, retryAfterMs: 0, resetMs: 0 });
      for (let i = 0; i < 10; i++) expect((await limiter.consume(k, MINUTE)).allowed).toBe(true);
      expect((await limiter.consume(k, MINUTE)).allowed).toBe(false);
    });

    it('refunds a cost', async () => {
      const limiter = await harness.open();
      const k = key('refund-cost');
      const rule = { limit: 100, windowMs: 60_000 };
      await limiter.consume(k, { ...rule, cost: 70 });
      expect((await limiter.consume(k, { ...rule, cost: 40 })).allowed).toBe(false);
      await limiter.refund(k, { ...rule, cost: 30 });
      expect(await limiter.consume(k, { ...rule, cost: 0 })).toMatchObject({ allowed: true, remaining: 60 });
      expect(await limiter.consume(k, { ...rule, cost: 40 })).toMatchObject({ allowed: true, remaining: 20 });
    });

    it('rejects malformed keys and rules with invalid_argument', async () => {
      const limiter = await harness.open();
      await expectAppError(limiter.consume('', MINUTE), 'invalid_argument');
      await expectAppError(limiter.consume(key('bad'), { limit: 0, windowMs: 1_000 }), 'invalid_argument');
      await expectAppError(limiter.consume(key('bad'), { limit: 2.5, windowMs: 1_000 }), 'invalid_argument');
      await expectAppError(limiter.consume(key('bad'), { limit: 10, windowMs: -1 }), 'invalid_argument');
      await expectAppError(limiter.consume(key('bad'), { limit: 10, windowMs: 1_000, cost: -1 }), 'invalid_argument');
      await expectAppError(limiter.consume(key('bad'), { limit: 10, windowMs: 1_000, cost: 11 }), 'invalid_argument');
      await expectAppError(limiter.reset(''), 'invalid_argument');
      await expectAppError(limiter.refund('', MINUTE), 'invalid_argument');
      await expectAppError(limiter.refund(key('bad'), { limit: 0, windowMs: 1_000 }), 'invalid_argument');
      await expectAppError(limiter.refund(key('bad'), { limit: 10, windowMs: 1.5 }), 'invalid_argument');
      await expectAppError(limiter.refund(key('bad'), { limit: 10, windowMs: 1_000, cost: -1 }), 'invalid_argument');
      await expectAppError(limiter.refund(key('bad'), { limit: 10, windowMs: 1_000, cost: 11 }), 'invalid_argument');
    });

    describe('concurrent consumers', () => {
      it('allows exactly 10 of 50 parallel consumes against a limit of 10', async () => {
        const handles = await harness.openShared(5);
        const k = key('parallel');
        const decisions = await Promise.all(
          Array.from({ length: 50 }, (_, i) => handles[i % handles.length]?.consume(k, MINUTE) ?? Promise.reject(new Error('no handle'))),
        );
        const allowed = decisions.filter((decision) => decision.allowed);
        expect(allowed).toHaveLength(10);
        expect(allowed.map((decision) => decision.remaining).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        for (const decision of decisions.filter((d) => !d.allowed)) expect(decision.retryAfterMs).toBeGreaterThan(0);
      });

      it('allows exactly floor(limit / cost) of many parallel costly consumes', async () => {
        const handles = await harness.openShared(4);
        const k = key('parallel-cost');
        const rule = { limit: 100, windowMs: 60_000, cost: 3 };
        const decisions = await Promise.all(
          Array.from({ length: 60 }, (_, i) => handles[i % handles.length]?.consume(k, rule) ?? Promise.reject(new Error('no handle'))),
        );
        expect(decisions.filter((decision) => decision.allowed)).toHaveLength(33);
      });
    });

    describe('refill and reset (real time)', () => {
      it('allows the next call once retryAfterMs has passed, not before', async () => {
        const limiter = await harness.open();
        const k = key('refill');
        const rule = { limit: 5, windowMs: 400 };
        for (let i = 0; i < 5; i++) {
          // A window boundary may pass during the burst; it changes nothing for 5 quick calls.
          expect((await limiter.consume(k, rule)).allowed).toBe(true);
        }
        const denied = await limiter.consume(k, rule);
        expect(denied.allowed).toBe(false);
        expect(denied.retryAfterMs).toBeGreaterThan(0);
        expect(denied.retryAfterMs).toBeLessThanOrEqual(800);

        if (denied.retryAfterMs > 150) {
          await sleep(denied.retryAfterMs - 120);
          expect((await limiter.consume(k, rule)).allowed).toBe(false);
        }
        await sleep(160);
        const again = await limiter.consume(k, { ...rule, cost: 0 });
        expect(again.remaining).toBeGreaterThanOrEqual(1);
        expect((await limiter.consume(k, rule)).allowed).toBe(true);
      });

      it('has the whole limit available again after resetMs', async () => {
        const limiter = await harness.open();
        const k = key('full-reset');
        const rule = { limit: 3, windowMs: 300 };
        let last = await limiter.consume(k, rule);
        while (last.allowed) last = await limiter.consume(k, rule);
        expect(last.resetMs).toBeGreaterThan(0);
        expect(last.resetMs).toBeLessThanOrEqual(600);

        await sleep(last.resetMs + 40);
        expect(await limiter.consume(k, { ...rule, cost: 0 })).toEqual({ allowed: true, remaining: 3, retryAfterMs: 0, resetMs: 0 });
      });
    });

    it('is ready while open; after close every call fails with unavailable', async () => {
      const limiter = await harness.open();
      await expect(limiter.checkReady()).resolves.toBeUndefined();
      await limiter.close();
      await limiter.close();
      const outcomes = await Promise.allSettled([limiter.checkReady(), limiter.consume(key('closed'), MINUTE), limiter.refund(key('closed'), MINUTE), limiter.reset(key('closed'))]);
      for (const outcome of outcomes) {
        expect(outcome.status).toBe('rejected');
        const reason: unknown = outcome.status === 'rejected' ? outcome.reason : undefined;
        expect(reason).toBeInstanceOf(AppError);
        expect(reason).toMatchObject({ code: 'unavailable', retryAfterSeconds: expect.any(Number) as unknown });
      }
    });
  });
}
