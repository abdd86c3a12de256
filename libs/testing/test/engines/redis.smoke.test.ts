import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEngineEndpoints, requireEngine, uniqueName } from '../../src/index.js';

describe('redis (real server, ioredis)', () => {
  const endpoints = loadEngineEndpoints();
  // No reconnects and no offline queue: when the server is down, commands fail at once
  // instead of waiting, and the probe reports the connection error.
  const redis = new Redis(endpoints.redis.url, {
    lazyConnect: true,
    connectTimeout: 3_000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // With reconnects off, connect() rejects with a bare "Connection is closed."; the reason
  // (ECONNREFUSED, ...) only arrives as an 'error' event, so the probe reports that one. The
  // listener also stops ioredis from printing "Unhandled error event".
  let lastConnectionError: Error | undefined;
  redis.on('error', (error: Error) => {
    lastConnectionError = error;
  });
  const prefix = uniqueName('smoke');
  const key = (name: string) => `${prefix}:${name}`;

  beforeAll(async () => {
    await requireEngine(
      'redis',
      async () => {
        try {
          await redis.connect();
        } catch (error) {
          throw lastConnectionError ?? error;
        }
        return redis.ping();
      },
      { endpoints },
    );
  });

  afterAll(async () => {
    if (redis.status === 'ready') {
      await redis.del(key('ex'), key('px'));
      await redis.quit();
    } else {
      redis.disconnect();
    }
  });

  it('sets a value with an EX TTL and reads it back', async () => {
    expect(await redis.set(key('ex'), 'hello', 'EX', 60)).toBe('OK');
    expect(await redis.get(key('ex'))).toBe('hello');
    const ttl = await redis.ttl(key('ex'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('expires a value set with a PX TTL', async () => {
    expect(await redis.set(key('px'), 'short-lived', 'PX', 150)).toBe('OK');
    expect(await redis.get(key('px'))).toBe('short-lived');
    expect(await redis.pttl(key('px'))).toBeGreaterThan(0);

    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(await redis.get(key('px'))).toBeNull();
    expect(await redis.exists(key('px'))).toBe(0);
  });
});
