import { AppError } from '@coffer/platform';
import { describe, expect, it } from 'vitest';
import { createSessionStoreFromUrl } from './create-session-store-from-url.js';
import { MemorySessionStore } from './memory-session-store.js';
import { RedisSessionStore } from './redis-session-store.js';

describe('createSessionStoreFromUrl', () => {
  it('builds the embedded store for memory://', async () => {
    const store = createSessionStoreFromUrl('memory://');
    expect(store).toBeInstanceOf(MemorySessionStore);
    await expect(store.checkReady()).resolves.toBeUndefined();
    await store.close();
  });

  it('passes the bound and the clock to the embedded store', async () => {
    const store = createSessionStoreFromUrl('memory://', { maxSessionsPerUser: 1, clock: () => 1_000 });
    const base = { userId: 'u', createdAt: new Date(0), ip: '', userAgent: '' };
    const first = await store.create({ ...base, id: 'a' }, { idleTtlMs: 10, absoluteTtlMs: 10 });
    expect(first.session.lastSeenAt.getTime()).toBe(1_000);
    expect((await store.create({ ...base, id: 'b' }, { idleTtlMs: 10, absoluteTtlMs: 10 })).evictedSessionIds).toEqual(['a']);
  });

  it('builds the Redis store for redis:// and rediss:// without connecting', async () => {
    for (const url of ['redis://127.0.0.1:1/3', 'rediss://:secret@127.0.0.1:1', 'redis://127.0.0.1:1']) {
      const store = createSessionStoreFromUrl(url);
      expect(store).toBeInstanceOf(RedisSessionStore);
      await store.close();
    }
  });

  it('rejects other schemes and garbage without echoing the URL', () => {
    for (const url of ['postgres://user:hunter2@db:5432/x', 'not a url', '', 'http://redis:6379']) {
      let thrown: unknown;
      try {
        createSessionStoreFromUrl(url);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AppError);
      expect(thrown).toMatchObject({ code: 'invalid_argument' });
      expect(String((thrown as AppError).message)).not.toContain('hunter2');
    }
  });
});
