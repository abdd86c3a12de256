import { AppError } from '@coffer/platform';
import { describe, expect, it } from 'vitest';
import { createRateLimiterFromUrl } from './create-rate-limiter-from-url.js';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

describe('createRateLimiterFromUrl', () => {
  it('builds the embedded limiter for memory://, with the clock passed on', async () => {
    const limiter = createRateLimiterFromUrl('memory://', { clock: () => 1_800_000_000_000 });
    expect(limiter).toBeInstanceOf(MemoryRateLimiter);
    expect((await limiter.consume('k', { limit: 1, windowMs: 1_000 })).resetMs).toBe(2_000);
    await limiter.close();
  });

  it('builds the Redis limiter for redis:// and rediss:// without connecting', async () => {
    for (const url of ['redis://127.0.0.1:1/2', 'rediss://:secret@127.0.0.1:1', 'redis://127.0.0.1:1']) {
      const limiter = createRateLimiterFromUrl(url);
      expect(limiter).toBeInstanceOf(RedisRateLimiter);
      await limiter.close();
    }
  });

  it('rejects other schemes and garbage without echoing the URL', () => {
    for (const url of ['postgres://user:hunter2@db:5432/x', 'not a url', '', 'http://redis:6379']) {
      let thrown: unknown;
      try {
        createRateLimiterFromUrl(url);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AppError);
      expect(thrown).toMatchObject({ code: 'invalid_argument' });
      expect(String((thrown as AppError).message)).not.toContain('hunter2');
    }
  });
});
