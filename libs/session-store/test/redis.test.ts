import { randomBytes } from 'node:crypto';
import { AppError } from '@coffer/platform';
import { loadEngineEndpoints, redisKeysUnder, requireEngine, uniqueName, TcpProxy } from '@coffer/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisSessionStore, createSessionStoreFromUrl, type NewSession, type SessionStore } from '../src/index.js';
import { createRedisClient } from '@coffer/redis';
import { describeSessionStoreContract } from './session-store.contract.js';

const endpoints = loadEngineEndpoints();
/** Every key this file writes starts with this, so cleanup can find them all. */
const runPrefix = `${uniqueName('sessiontest')}:`;
const admin = new Redis(endpoints.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: true });
admin.on('error', () => undefined);
const opened: SessionStore[] = [];
let storeCount = 0;

function openStore(options: { maxSessionsPerUser?: number; keyPrefix?: string } = {}): SessionStore {
  storeCount += 1;
  const store = createSessionStoreFromUrl(endpoints.redis.url, {
    keyPrefix: options.keyPrefix ?? `${runPrefix}${storeCount}:`,
    ...(options.maxSessionsPerUser === undefined ? {} : { maxSessionsPerUser: options.maxSessionsPerUser }),
  });
  opened.push(store);
  return store;
}

const keysUnder = (prefix: string): Promise<string[]> => redisKeysUnder(admin, prefix);

async function readEvictionPolicy(): Promise<string> {
  const reply = (await admin.config('GET', 'maxmemory-policy')) as unknown[];
  const policy = reply[1];
  if (typeof policy !== 'string') throw new Error('no maxmemory-policy in the CONFIG GET reply');
  return policy;
}

beforeAll(async () => {
  await requireEngine('redis', async () => admin.ping(), { endpoints });
});

afterAll(async () => {
  await Promise.all(opened.map((store) => store.close()));
  const leftovers = await keysUnder(runPrefix);
  if (leftovers.length > 0) await admin.del(...leftovers);
  await admin.quit();
});

describeSessionStoreContract('redis', {
  open: (options = {}) => Promise.resolve(openStore(options)),
  // Stores are closed and keys deleted by this file's afterAll, after the Redis-only tests.
  cleanup: () => Promise.resolve(),
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function newSession(userId: string): NewSession {
  return {
    id: `sid-${randomBytes(12).toString('base64url')}`,
    userId,
    createdAt: new Date(),
    ip: '192.0.2.10',
    userAgent: 'redis-layout-test',
  };
}

describe('RedisSessionStore on real Redis: layout and TTLs', () => {
  it('keeps one hash per session and one sorted set per user, under the key prefix', async () => {
    const prefix = `${runPrefix}layout:`;
    const store = openStore({ keyPrefix: prefix });
    const first = newSession('user-1');
    const second = newSession('user-1');
    await store.create({ ...first, familyId: 'fam-1' }, { idleTtlMs: 30_000, absoluteTtlMs: 120_000 });
    await sleep(3); // creation order, not id order, decides the index order
    await store.create(second, { idleTtlMs: 30_000, absoluteTtlMs: 60_000 });

    expect(await keysUnder(prefix)).toEqual([`${prefix}s:${first.id}`, `${prefix}s:${second.id}`, `${prefix}u:user-1`].sort());
    expect(await admin.type(`${prefix}s:${first.id}`)).toBe('hash');
    const hash = await admin.hgetall(`${prefix}s:${first.id}`);
    expect(Object.keys(hash).sort()).toEqual(
      ['absoluteExpiresAt', 'createdAt', 'familyId', 'idleTtlMs', 'ip', 'lastSeenAt', 'userAgent', 'userId'].sort(),
    );
    expect(hash['createdAt']).toBe(String(first.createdAt.getTime()));
    expect(await admin.zrange(`${prefix}u:user-1`, 0, -1)).toEqual([first.id, second.id]);
  });

  it('sets the hash TTL to min(idle, absolute left) and the index TTL to the longest absolute deadline', async () => {
    const store = openStore();
    const prefix = `${runPrefix}${storeCount}:`;
    const input = newSession('user-ttl');
    await store.create(input, { idleTtlMs: 30_000, absoluteTtlMs: 120_000 });
    const idleBound = await admin.pttl(`${prefix}s:${input.id}`);
    expect(idleBound).toBeGreaterThan(29_000);
    expect(idleBound).toBeLessThanOrEqual(30_000);
    const indexTtl = await admin.pttl(`${prefix}u:user-ttl`);
    expect(indexTtl).toBeGreaterThan(119_000);
    expect(indexTtl).toBeLessThanOrEqual(120_000);

    // A later session with a shorter absolute timeout must not shorten the index.
    await store.create(newSession('user-ttl'), { idleTtlMs: 1_000, absoluteTtlMs: 5_000 });
    expect(await admin.pttl(`${prefix}u:user-ttl`)).toBeGreaterThan(119_000);

    const capped = newSession('user-ttl');
    await store.create(capped, { idleTtlMs: 500, absoluteTtlMs: 700 });
    await sleep(400);
    await store.touch(capped.id);
    const left = await admin.pttl(`${prefix}s:${capped.id}`);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(300);
  });

  it('removes index entries of expired sessions lazily, on the next list', async () => {
    const store = openStore();
    const prefix = `${runPrefix}${storeCount}:`;
    const input = newSession('user-lazy');
    await store.create(input, { idleTtlMs: 300, absoluteTtlMs: 60_000 });
    await sleep(500);
    expect(await admin.exists(`${prefix}s:${input.id}`)).toBe(0);
    expect(await admin.zcard(`${prefix}u:user-lazy`)).toBe(1);
    expect(await store.listForUser('user-lazy')).toEqual([]);
    expect(await admin.exists(`${prefix}u:user-lazy`)).toBe(0);
  });

  it('lets two store instances on one Redis see each other at once (auth revokes, gateway checks)', async () => {
    const prefix = `${runPrefix}shared:`;
    const auth = openStore({ keyPrefix: prefix });
    const gateway = openStore({ keyPrefix: prefix });
    const input = newSession('user-shared');
    await auth.create(input, { idleTtlMs: 30_000, absoluteTtlMs: 60_000 });
    expect(await gateway.isActive(input.id)).toBe(true);
    expect(await auth.revoke(input.id)).toBe(true);
    expect(await gateway.isActive(input.id)).toBe(false);
  });

  it('runs its scripts again after the server forgets them (SCRIPT FLUSH)', async () => {
    const store = openStore();
    const input = newSession('user-flush');
    await store.create(input, { idleTtlMs: 30_000, absoluteTtlMs: 60_000 });
    await admin.script('FLUSH');
    expect(await store.touch(input.id)).toBeDefined();
    expect(await store.revoke(input.id)).toBe(true);
  });

  it('accepts a client built by the caller', async () => {
    const client = createRedisClient(endpoints.redis.url);
    const store = new RedisSessionStore({ client, keyPrefix: `${runPrefix}own-client:` });
    opened.push(store);
    await expect(store.checkReady()).resolves.toBeUndefined();
    await store.close();
    expect(client.status).toBe('end');
  });

  it('refuses to be ready while Redis may evict keys (maxmemory-policy not noeviction), naming the policy', async () => {
    // This Redis is shared with other suites: change the policy for as short a time as possible
    // and always put the original back.
    const original = await readEvictionPolicy();
    expect(original).toBe('noeviction'); // what tools/engines/redis.sh runs (the Redis default)
    const store = openStore({ keyPrefix: `${runPrefix}eviction:` });
    try {
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      const refused = await store.checkReady().catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(AppError);
      expect(refused).toMatchObject({ code: 'unavailable' });
      expect((refused as AppError).detail).toContain('maxmemory-policy allkeys-lru');
      expect((refused as AppError).detail).toContain('noeviction');
    } finally {
      await admin.config('SET', 'maxmemory-policy', original);
    }
    await expect(store.checkReady()).resolves.toBeUndefined();
  });

  it('stays ready and warns once when Redis refuses CONFIG GET (renamed command, ACL, managed service)', async () => {
    const client = createRedisClient(endpoints.redis.url);
    let configCalls = 0;
    // As a server with CONFIG renamed away answers; everything else is the real Redis.
    client.config = (() => {
      configCalls += 1;
      const refused = new Error("ERR unknown command 'CONFIG', with args beginning with: 'GET' 'maxmemory-policy'");
      refused.name = 'ReplyError';
      return Promise.reject(refused);
    }) as unknown as Redis['config'];
    const warnings: string[] = [];
    const store = new RedisSessionStore({ client, keyPrefix: `${runPrefix}no-config:`, logger: { warn: (_fields: unknown, message?: string) => warnings.push(message ?? '') } as never });
    opened.push(store);
    await expect(store.checkReady()).resolves.toBeUndefined();
    await expect(store.checkReady()).resolves.toBeUndefined();
    expect(configCalls).toBe(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('maxmemory-policy');
  });

  it('fails fast while Redis is unreachable and recovers on its own when it returns', async () => {
    const proxy = await TcpProxy.start(endpoints.redis.url);
    const keyPrefix = `${runPrefix}outage:`;
    const store = createSessionStoreFromUrl(proxy.url, { keyPrefix });
    opened.push(store);
    const input = newSession('user-outage');
    try {
      await store.create(input, { idleTtlMs: 30_000, absoluteTtlMs: 60_000 });

      await proxy.cut();
      await sleep(100);
      const started = performance.now();
      const outage = await store.isActive(input.id).catch((error: unknown) => error);
      expect(outage).toBeInstanceOf(AppError);
      expect(outage).toMatchObject({ code: 'unavailable' });
      expect(performance.now() - started).toBeLessThan(1_500);
      await expect(store.checkReady()).rejects.toMatchObject({ code: 'unavailable' });

      await proxy.resume();
      const deadline = Date.now() + 5_000;
      let ready = false;
      while (!ready && Date.now() < deadline) {
        ready = await store.checkReady().then(
          () => true,
          () => false,
        );
        if (!ready) await sleep(100);
      }
      expect(ready).toBe(true);
      expect(await store.isActive(input.id)).toBe(true);
    } finally {
      await proxy.cut();
    }
  });
});
