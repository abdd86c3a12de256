import { AppError } from '@coffer/platform';
import type { Redis } from 'ioredis';
import type { Clock } from './memory-rate-limiter.js';
import type { RateLimitDecision, RateLimiter, RateLimitRule } from './rate-limiter.js';
import { GuardedRedisClient } from '@coffer/redis';
import { consumeScript, refundScript } from './redis-rate-limit-script.js';
import { checkRule, closedLimiterError, requireKey } from './sliding-window.js';

/** Used when `keyPrefix` is not configured. */
export const DEFAULT_RATE_LIMIT_KEY_PREFIX = 'coffer:ratelimit:';

/** Options of {@link RedisRateLimiter}. */
export interface RedisRateLimiterOptions {
  /**
   * The client; the limiter owns it and quits it on {@link RedisRateLimiter.close}. Build it
   * with `createRedisClient` (or {@link createRateLimiterFromUrl}) so calls fail fast.
   */
  readonly client: Redis;
  /** Prepended to every key. Default `coffer:ratelimit:`. */
  readonly keyPrefix?: string;
  /**
   * Tests only: take the time from this clock instead of the Redis server's `TIME`. In
   * production the server clock keeps every instance on one timeline; do not set this.
   */
  readonly clock?: Clock;
}

const UNAVAILABLE_DETAIL = 'The rate limiter is unavailable.';

/**
 * The production {@link RateLimiter}: one Redis string per key, updated by one Lua script per
 * call, so any number of instances share each limit exactly. Each key expires once its state no
 * longer matters (at most two windows after its last allowed call).
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly client: Redis;
  private readonly redis: GuardedRedisClient;
  private readonly keyPrefix: string;
  private readonly clock: Clock | undefined;

  constructor(options: RedisRateLimiterOptions) {
    this.client = options.client;
    this.redis = new GuardedRedisClient(options.client, UNAVAILABLE_DETAIL, closedLimiterError);
    this.keyPrefix = options.keyPrefix ?? DEFAULT_RATE_LIMIT_KEY_PREFIX;
    this.clock = options.clock;
  }

  consume(key: string, rule: RateLimitRule): Promise<RateLimitDecision> {
    return this.run(async () => {
      const { limit, windowMs, cost } = checkRule(key, rule);
      const now = this.clock === undefined ? '' : String(Math.floor(this.clock()));
      const reply = await consumeScript.run(this.client, [this.keyPrefix + key], [limit, windowMs, cost, now]);
      if (!Array.isArray(reply)) throw malformedReply();
      const [allowed, remaining, retryAfterMs, resetMs] = (reply as unknown[]).map(integer);
      if (allowed === undefined || remaining === undefined || retryAfterMs === undefined || resetMs === undefined) {
        throw malformedReply();
      }
      return { allowed: allowed === 1, remaining, retryAfterMs, resetMs };
    });
  }

  refund(key: string, rule: RateLimitRule): Promise<void> {
    return this.run(async () => {
      const { windowMs, cost } = checkRule(key, rule);
      const now = this.clock === undefined ? '' : String(Math.floor(this.clock()));
      integer(await refundScript.run(this.client, [this.keyPrefix + key], [windowMs, cost, now]));
    });
  }

  reset(key: string): Promise<void> {
    return this.run(async () => {
      await this.client.del(this.keyPrefix + requireKey(key));
    });
  }

  checkReady(): Promise<void> {
    return this.redis.checkReady();
  }

  close(): Promise<void> {
    return this.redis.close();
  }

  private run<T>(action: () => Promise<T>): Promise<T> {
    return this.redis.run(action);
  }
}

function integer(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw malformedReply();
  return value;
}

function malformedReply(): AppError {
  return new AppError('internal', {
    detail: 'An internal error occurred.',
    cause: new Error('unexpected Redis reply from the rate-limit script'),
  });
}
