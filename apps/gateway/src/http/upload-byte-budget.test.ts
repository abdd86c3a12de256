import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, createMetricsRegistry, errors, isAppError } from '@coffer/platform';
import { MemoryRateLimiter, type RateLimiter } from '@coffer/rate-limit';
import { GatewayRateLimitMetrics, UPLOAD_BYTE_CHARGE_STEP, uploadByteBudget } from './rate-limiting.js';

const MIB = 1024 * 1024;
const logger = createLogger({ service: 'gateway', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

function budgetFor(limiter: RateLimiter, limit: number, declared: number | undefined, failMode: 'open' | 'closed' = 'open') {
  const metrics = new GatewayRateLimitMetrics(createMetricsRegistry('gateway'));
  return { metrics, budget: uploadByteBudget('user-1', declared, { limiter, rule: { limit, windowMs: 60_000 }, failMode, metrics, logger }) };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return isAppError(error) ? error.code : 'not an AppError';
  }
}

describe('uploadByteBudget', () => {
  it('charges a declared size before the first byte, refusing with 429 once the allowance is spent', async () => {
    const limiter = new MemoryRateLimiter();
    const first = budgetFor(limiter, 100 * MIB, 60 * MIB).budget;
    expect(await codeOf(first(64 * 1024))).toBeUndefined();
    const second = budgetFor(limiter, 100 * MIB, 60 * MIB).budget;
    expect(await codeOf(second(64 * 1024))).toBe('rate_limited');
    // The refused upload consumed nothing: 40 MiB are still there.
    expect(await codeOf(budgetFor(limiter, 100 * MIB, 40 * MIB).budget(1))).toBeUndefined();
  });

  it('refuses with 413 a declared size above the whole allowance', async () => {
    expect(await codeOf(budgetFor(new MemoryRateLimiter(), 10 * MIB, 11 * MIB).budget(1))).toBe('payload_too_large');
  });

  it('charges a body of unknown size in steps while it streams and stops it when the budget runs out', async () => {
    const limiter = new MemoryRateLimiter();
    const { budget, metrics } = budgetFor(limiter, 3 * UPLOAD_BYTE_CHARGE_STEP, undefined);
    let passed = 0;
    let code: string | undefined;
    for (let chunk = 0; chunk < 1000 && code === undefined; chunk += 1) {
      code = await codeOf(budget(MIB));
      if (code === undefined) passed += MIB;
    }
    expect(code).toBe('rate_limited');
    // Three steps fit; the fourth charge is refused.
    expect(passed).toBe(4 * UPLOAD_BYTE_CHARGE_STEP - MIB);
    expect((await metrics.limited.get()).values.find((value) => value.labels.class === 'upload_bytes')?.value).toBe(1);
  });

  it('applies the fail mode when the store does not answer', async () => {
    const broken: RateLimiter = {
      consume: () => Promise.reject(errors.unavailable('Redis is unavailable.')),
      reset: () => Promise.resolve(),
      refund: () => Promise.resolve(),
      checkReady: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    expect(await codeOf(budgetFor(broken, 100 * MIB, 10 * MIB, 'open').budget(1))).toBeUndefined();
    expect(await codeOf(budgetFor(broken, 100 * MIB, 10 * MIB, 'closed').budget(1))).toBe('unavailable');
  });
});
