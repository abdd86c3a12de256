import { AppError } from '@coffer/platform';
import { describe, expect, it } from 'vitest';
import { createIdempotencyStoreFromUrl } from './create-idempotency-store-from-url.js';
import { MemoryIdempotencyStore } from './memory-idempotency-store.js';
import { RedisIdempotencyStore } from './redis-idempotency-store.js';

describe('createIdempotencyStoreFromUrl', () => {
  it('builds the embedded store for memory://, with the clock passed on', async () => {
    let now = 1_800_000_000_000;
    const store = createIdempotencyStoreFromUrl('memory://', { clock: () => now });
    expect(store).toBeInstanceOf(MemoryIdempotencyStore);
    await store.reserve('k', { fingerprint: 'fp', token: 't' }, 1_000);
    now += 1_000;
    expect(await store.get('k')).toBeUndefined();
    await store.close();
  });

  it('builds the Redis store for redis:// and rediss:// without connecting', async () => {
    for (const url of ['redis://127.0.0.1:1/2', 'rediss://:secret@127.0.0.1:1', 'redis://127.0.0.1:1']) {
      const store = createIdempotencyStoreFromUrl(url);
      expect(store).toBeInstanceOf(RedisIdempotencyStore);
      await store.close();
    }
  });

  it('rejects other schemes and garbage without echoing the URL', () => {
    for (const url of ['postgres://user:hunter2@db:5432/x', 'not a url', '', 'http://redis:6379']) {
      let thrown: unknown;
      try {
        createIdempotencyStoreFromUrl(url);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AppError);
      expect(thrown).toMatchObject({ code: 'invalid_argument' });
      expect((thrown as AppError).message).not.toContain('hunter2');
    }
  });
});
