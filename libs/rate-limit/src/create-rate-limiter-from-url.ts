import { AppError } from '@coffer/platform';
import { MemoryRateLimiter, type Clock } from './memory-rate-limiter.js';
import type { RateLimiter } from './rate-limiter.js';
import { createRedisClient, type RedisConnectionOptions } from '@coffer/redis';
import { RedisRateLimiter } from './redis-rate-limiter.js';

/** Options of {@link createRateLimiterFromUrl}; connection options apply to Redis only. */
export interface RateLimiterFromUrlOptions extends RedisConnectionOptions {
  /** Redis only. Default `coffer:ratelimit:`. */
  readonly keyPrefix?: string;
  /** `memory://` only (Redis uses its server clock). Default `Date.now`. */
  readonly clock?: Clock;
}

/**
 * Builds the limiter a URL names, without connecting yet:
 * - `redis://[:password@]host:port[/db]` or `rediss://…` (TLS) → {@link RedisRateLimiter} on a
 *   fail-fast ioredis client (connects on first use);
 * - `memory://` → {@link MemoryRateLimiter} (one process only; for dev and tests).
 *
 * Throws `AppError('invalid_argument')` for anything else; the message never repeats the URL,
 * which may hold a password.
 */
export function createRateLimiterFromUrl(url: string, options: RateLimiterFromUrlOptions = {}): RateLimiter {
  const scheme = urlScheme(url);
  if (scheme === 'memory:') {
    return new MemoryRateLimiter(options.clock === undefined ? {} : { clock: options.clock });
  }
  if (scheme === 'redis:' || scheme === 'rediss:') {
    return new RedisRateLimiter({
      client: createRedisClient(url, options),
      ...(options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix }),
    });
  }
  throw new AppError('invalid_argument', {
    detail: 'The rate limiter URL must start with redis://, rediss:// or memory://.',
  });
}

function urlScheme(url: string): string | undefined {
  try {
    return new URL(url).protocol;
  } catch {
    return undefined;
  }
}
