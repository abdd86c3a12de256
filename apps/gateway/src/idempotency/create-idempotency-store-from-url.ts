import { AppError } from '@coffer/platform';
import { createRedisClient, type RedisConnectionOptions } from '@coffer/redis';
import type { IdempotencyStore } from './idempotency-store.js';
import { MemoryIdempotencyStore, type Clock } from './memory-idempotency-store.js';
import { RedisIdempotencyStore } from './redis-idempotency-store.js';

/** Options of {@link createIdempotencyStoreFromUrl}; connection options apply to Redis only. */
export interface IdempotencyStoreFromUrlOptions extends RedisConnectionOptions {
  /** Redis only. Default `coffer:idempotency:`. */
  readonly keyPrefix?: string;
  /** `memory://` only (Redis expires keys itself). Default `Date.now`. */
  readonly clock?: Clock;
}

/**
 * Builds the store a URL names, without connecting yet: `redis://…` or `rediss://…` →
 * {@link RedisIdempotencyStore} on a fail-fast client (shared by every gateway instance);
 * `memory://` → {@link MemoryIdempotencyStore} (one process; dev and tests). Anything else throws
 * `invalid_argument` without repeating the URL, which may hold a password.
 */
export function createIdempotencyStoreFromUrl(url: string, options: IdempotencyStoreFromUrlOptions = {}): IdempotencyStore {
  const scheme = urlScheme(url);
  if (scheme === 'memory:') return new MemoryIdempotencyStore(options.clock === undefined ? {} : { clock: options.clock });
  if (scheme === 'redis:' || scheme === 'rediss:') {
    return new RedisIdempotencyStore({ client: createRedisClient(url, options), ...(options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix }) });
  }
  throw new AppError('invalid_argument', { detail: 'The idempotency store URL must start with redis://, rediss:// or memory://.' });
}

function urlScheme(url: string): string | undefined {
  try {
    return new URL(url).protocol;
  } catch {
    return undefined;
  }
}
