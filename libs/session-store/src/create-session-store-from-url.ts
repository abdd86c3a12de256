import { AppError, type Logger } from '@coffer/platform';
import { MemorySessionStore, type Clock } from './memory-session-store.js';
import { createRedisClient, type RedisConnectionOptions } from '@coffer/redis';
import { RedisSessionStore } from './redis-session-store.js';
import type { SessionStore } from './session-store.js';

/** Options of {@link createSessionStoreFromUrl}; connection options apply to Redis only. */
export interface SessionStoreFromUrlOptions extends RedisConnectionOptions {
  /** Redis only. Default `coffer:session:`. */
  readonly keyPrefix?: string;
  /** Live sessions per user before the oldest is evicted. Default 100. */
  readonly maxSessionsPerUser?: number;
  /** `memory://` only (Redis uses its server clock). Default `Date.now`. */
  readonly clock?: Clock;
  /** Redis only: where the warning goes when the eviction policy cannot be checked (see {@link RedisSessionStore.checkReady}). */
  readonly logger?: Pick<Logger, 'warn'>;
}

/**
 * Builds the store a URL names, without connecting yet:
 * - `redis://[:password@]host:port[/db]` or `rediss://…` (TLS) → {@link RedisSessionStore}
 *   on a fail-fast ioredis client (connects on first use);
 * - `memory://` → {@link MemorySessionStore} (one process only; for dev and tests).
 *
 * Throws `AppError('invalid_argument')` for anything else; the message never repeats the URL,
 * which may hold a password.
 */
export function createSessionStoreFromUrl(url: string, options: SessionStoreFromUrlOptions = {}): SessionStore {
  const scheme = urlScheme(url);
  if (scheme === 'memory:') {
    return new MemorySessionStore({
      ...(options.maxSessionsPerUser === undefined ? {} : { maxSessionsPerUser: options.maxSessionsPerUser }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
  }
  if (scheme === 'redis:' || scheme === 'rediss:') {
    return new RedisSessionStore({
      client: createRedisClient(url, options),
      ...(options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix }),
      ...(options.maxSessionsPerUser === undefined ? {} : { maxSessionsPerUser: options.maxSessionsPerUser }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
  }
  throw new AppError('invalid_argument', {
    detail: 'The session store URL must start with redis://, rediss:// or memory://.',
  });
}

function urlScheme(url: string): string | undefined {
  try {
    return new URL(url).protocol;
  } catch {
    return undefined;
  }
}
