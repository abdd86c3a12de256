import { loadEngineEndpoints, redisKeysUnder, requireEngine, uniqueName } from '@coffer/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdempotencyStoreFromUrl } from '../src/idempotency/create-idempotency-store-from-url.js';
import type { IdempotencyStore } from '../src/idempotency/idempotency-store.js';
import { RedisIdempotencyStore } from '../src/idempotency/redis-idempotency-store.js';
import { describeIdempotencyStoreContract } from './idempotency-store.contract.js';

const endpoints = loadEngineEndpoints();
/** Every key this file writes starts with this, so cleanup can find them all. */
const runPrefix = `${uniqueName('idempotencytest')}:`;
const admin = new Redis(endpoints.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
admin.on('error', () => undefined);
const opened: IdempotencyStore[] = [];
let namespaces = 0;

function nextPrefix(): string {
  namespaces += 1;
  return `${runPrefix}${namespaces}:`;
}

function openStore(keyPrefix: string): IdempotencyStore {
  const store = createIdempotencyStoreFromUrl(endpoints.redis.url, { keyPrefix });
  opened.push(store);
  return store;
}

const keysUnder = (prefix: string): Promise<string[]> => redisKeysUnder(admin, prefix);

// Fails (never skips) when Redis is not running: start it with `tools/engines/engines.sh up`.
beforeAll(async () => {
  await requireEngine('redis', async () => admin.ping(), { endpoints });
});

afterAll(async () => {
  await Promise.all(opened.map((store) => store.close()));
  const leftovers = await keysUnder(runPrefix);
  if (leftovers.length > 0) await admin.del(...leftovers);
  await admin.quit();
});

describeIdempotencyStoreContract('redis', {
  open: () => Promise.resolve(openStore(nextPrefix())),
  openShared: (count) => {
    const prefix = nextPrefix();
    return Promise.resolve(Array.from({ length: count }, () => openStore(prefix)));
  },
  cleanup: () => Promise.resolve(),
});

describe('RedisIdempotencyStore on the real Redis', () => {
  it('is what a redis:// URL builds', () => {
    const store = openStore(nextPrefix());
    expect(store).toBeInstanceOf(RedisIdempotencyStore);
  });

  it('keeps one string per key, as JSON, with a Redis expiry no longer than the lease or TTL', async () => {
    const prefix = nextPrefix();
    const store = openStore(prefix);
    await store.reserve('k', { fingerprint: 'fp', token: 't1' }, 60_000);
    expect(JSON.parse((await admin.get(`${prefix}k`)) ?? 'null')).toEqual({ state: 'running', fingerprint: 'fp', token: 't1' });
    const leaseLeft = await admin.pttl(`${prefix}k`);
    expect(leaseLeft).toBeGreaterThan(0);
    expect(leaseLeft).toBeLessThanOrEqual(60_000);
    await store.complete('k', 't1', { status: 201, headers: {}, bodyBase64: '' }, 86_400_000);
    const ttlLeft = await admin.pttl(`${prefix}k`);
    expect(ttlLeft).toBeGreaterThan(60_000);
    expect(ttlLeft).toBeLessThanOrEqual(86_400_000);
  });

  it('treats a malformed record as an internal error, not as a free key', async () => {
    const prefix = nextPrefix();
    const store = openStore(prefix);
    await admin.set(`${prefix}junk`, 'not json', 'PX', 60_000);
    await expect(store.reserve('junk', { fingerprint: 'fp', token: 't' }, 60_000)).rejects.toMatchObject({ code: 'internal' });
    expect(await store.get('junk')).toBeUndefined();
  });

  it('fails with unavailable, quickly, when Redis cannot be reached', async () => {
    const store = createIdempotencyStoreFromUrl('redis://127.0.0.1:1', { connectTimeoutMs: 200, commandTimeoutMs: 300 });
    opened.push(store);
    await expect(store.reserve('k', { fingerprint: 'fp', token: 't' }, 60_000)).rejects.toMatchObject({ code: 'unavailable' });
  });
});
