import { AppError } from '@coffer/platform';
import { loadEngineEndpoints, redisKeysUnder, requireEngine, uniqueName, TcpProxy } from '@coffer/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRateLimiter, RedisRateLimiter, createRateLimiterFromUrl, type RateLimitDecision, type RateLimiter, type RateLimitRule } from '../src/index.js';
import { createRedisClient } from '@coffer/redis';
import { describeRateLimiterContract } from './rate-limiter.contract.js';

const endpoints = loadEngineEndpoints();
/** Every key this file writes starts with this, so cleanup can find them all. */
const runPrefix = `${uniqueName('ratelimittest')}:`;
const admin = new Redis(endpoints.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
admin.on('error', () => undefined);
const opened: RateLimiter[] = [];
let namespaceCount = 0;

function nextPrefix(): string {
  namespaceCount += 1;
  return `${runPrefix}${namespaceCount}:`;
}

function openLimiter(keyPrefix: string): RateLimiter {
  const limiter = createRateLimiterFromUrl(endpoints.redis.url, { keyPrefix });
  opened.push(limiter);
  return limiter;
}

const keysUnder = (prefix: string): Promise<string[]> => redisKeysUnder(admin, prefix);

beforeAll(async () => {
  await requireEngine('redis', async () => admin.ping(), { endpoints });
});

afterAll(async () => {
  await Promise.all(opened.map((limiter) => limiter.close()));
  const leftovers = await keysUnder(runPrefix);
  if (leftovers.length > 0) await admin.del(...leftovers);
  await admin.quit();
});

describeRateLimiterContract('redis', {
  open: () => Promise.resolve(openLimiter(nextPrefix())),
  openShared: (count) => {
    const prefix = nextPrefix();
    return Promise.resolve(Array.from({ length: count }, () => openLimiter(prefix)));
  },
  // Limiters are closed and keys deleted by this file's afterAll, after the Redis-only tests.
  cleanup: () => Promise.resolve(),
});

/** Small deterministic PRNG (mulberry32), so a failing sequence reproduces. */
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

describe('RedisRateLimiter on real Redis', () => {
  it('decides exactly as the memory limiter for the same calls and refunds at the same times (Lua = TypeScript)', async () => {
    let now = Date.now();
    const clock = () => now;
    const memory = new MemoryRateLimiter({ clock });
    const redis = new RedisRateLimiter({ client: createRedisClient(endpoints.redis.url), keyPrefix: nextPrefix(), clock });
    opened.push(redis);
    const random = prng(20_261_126);
    const rules: RateLimitRule[] = [
      { limit: 1, windowMs: 1_000 },
      { limit: 3, windowMs: 1_000 },
      { limit: 7, windowMs: 333 },
      { limit: 10, windowMs: 60_000 },
      { limit: 1_000, windowMs: 5_000 },
      { limit: 10 * 1024 ** 3, windowMs: 3_600_000 },
    ];
    const mismatches: string[] = [];
    let allowedCount = 0;
    let refundCount = 0;
    for (let i = 0; i < 3_000; i++) {
      now += Math.floor(random() * random() * 400);
      const ruleIndex = Math.floor(random() * rules.length);
      const rule = rules[ruleIndex] ?? { limit: 1, windowMs: 1 };
      const roll = random();
      const cost = roll < 0.1 ? 0 : roll < 0.6 ? 1 : Math.floor(random() * (rule.limit + 1));
      const k = `rule${ruleIndex}:key${Math.floor(random() * 3)}`;
      if (random() < 0.01) {
        await Promise.all([memory.reset(k), redis.reset(k)]);
        continue;
      }
      const call = { ...rule, cost };
      if (random() < 0.15) {
        await Promise.all([memory.refund(k, call), redis.refund(k, call)]);
        refundCount += 1;
        continue;
      }
      const [expected, actual]: RateLimitDecision[] = await Promise.all([memory.consume(k, call), redis.consume(k, call)]);
      if (expected?.allowed === true) allowedCount += 1;
      if (JSON.stringify(expected) !== JSON.stringify(actual)) {
        mismatches.push(`#${i} ${k} ${JSON.stringify(call)}: memory ${JSON.stringify(expected)} redis ${JSON.stringify(actual)}`);
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    // The sequence exercises both outcomes.
    expect(allowedCount).toBeGreaterThan(500);
    expect(allowedCount).toBeLessThan(2_900);
    expect(refundCount).toBeGreaterThan(200);
  });

  it('keeps one string per key under the prefix, expiring when its state stops mattering', async () => {
    const prefix = nextPrefix();
    const limiter = openLimiter(prefix);
    const decision = await limiter.consume('login:ip:abc', { limit: 5, windowMs: 30_000 });
    expect(await keysUnder(prefix)).toEqual([`${prefix}login:ip:abc`]);
    expect(await admin.type(`${prefix}login:ip:abc`)).toBe('string');
    const ttl = await admin.pttl(`${prefix}login:ip:abc`);
    expect(ttl).toBeGreaterThan(decision.resetMs - 100);
    expect(ttl).toBeLessThanOrEqual(decision.resetMs);

    // A look (cost 0) and a denied call write nothing.
    await limiter.consume('look', { limit: 5, windowMs: 30_000, cost: 0 });
    expect(await admin.exists(`${prefix}look`)).toBe(0);

    await limiter.reset('login:ip:abc');
    expect(await keysUnder(prefix)).toEqual([]);
  });

  it('refund keeps the expiry consume would give, deletes an emptied key and never creates one', async () => {
    const prefix = nextPrefix();
    let now = 1_800_000_000_000; // a window boundary
    const limiter = new RedisRateLimiter({ client: createRedisClient(endpoints.redis.url), keyPrefix: prefix, clock: () => now });
    opened.push(limiter);
    const rule = { limit: 5, windowMs: 30_000 };
    await limiter.consume('k', { ...rule, cost: 2 });
    now += 10_000;
    await limiter.refund('k', rule);
    // Still one unit in the current window: the key lives until the end of the next one.
    const ttl = await admin.pttl(`${prefix}k`);
    expect(ttl).toBeGreaterThan(50_000 - 1_000);
    expect(ttl).toBeLessThanOrEqual(50_000);

    // In the next window the unit counts as previous; refunding it leaves nothing, so no key.
    now += 30_000;
    await limiter.refund('k', rule);
    expect(await admin.exists(`${prefix}k`)).toBe(0);

    await limiter.refund('never-used', rule);
    expect(await keysUnder(prefix)).toEqual([]);
  });

  it('lets the key expire in Redis after resetMs', async () => {
    const prefix = nextPrefix();
    const limiter = openLimiter(prefix);
    const decision = await limiter.consume('short', { limit: 2, windowMs: 200 });
    expect(await admin.exists(`${prefix}short`)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, decision.resetMs + 50));
    expect(await admin.exists(`${prefix}short`)).toBe(0);
  });

  it('shares one limit between two instances on separate connections, as two gateways would', async () => {
    const prefix = nextPrefix();
    const [gatewayA, gatewayB] = [openLimiter(prefix), openLimiter(prefix)];
    const rule = { limit: 100, windowMs: 60_000 };
    const decisions = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) => (i % 2 === 0 ? gatewayA : gatewayB).consume('shared', rule)),
    );
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(100);
  });

  it('fails fast while Redis is unreachable and recovers on its own when it returns', async () => {
    const proxy = await TcpProxy.start(endpoints.redis.url);
    const limiter = openLimiter(nextPrefix());
    const viaProxy = createRateLimiterFromUrl(proxy.url, { keyPrefix: `${runPrefix}${namespaceCount}:` });
    opened.push(viaProxy);
    const rule = { limit: 5, windowMs: 60_000 };
    try {
      expect(await viaProxy.consume('k', rule)).toMatchObject({ allowed: true, remaining: 4 });

      await proxy.cut();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = performance.now();
      const outage = await viaProxy.consume('k', rule).catch((error: unknown) => error);
      expect(outage).toBeInstanceOf(AppError);
      expect(outage).toMatchObject({ code: 'unavailable' });
      expect(performance.now() - started).toBeLessThan(1_500);
      await expect(viaProxy.checkReady()).rejects.toMatchObject({ code: 'unavailable' });

      await proxy.resume();
      const deadline = Date.now() + 5_000;
      let ready = false;
      while (!ready && Date.now() < deadline) {
        ready = await viaProxy.checkReady().then(
          () => true,
          () => false,
        );
        if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(ready).toBe(true);
      // The state survived in Redis and the failed call consumed nothing.
      expect(await viaProxy.consume('k', rule)).toMatchObject({ allowed: true, remaining: 3 });
      expect(await limiter.consume('k', { ...rule, cost: 0 })).toMatchObject({ remaining: 3 });
    } finally {
      await proxy.cut();
    }
  });
});
