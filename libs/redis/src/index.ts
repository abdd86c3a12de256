/** @coffer/redis: the Redis connection shared by Redis-backed stores (sessions, rate limits). */
export {
  assertNotKnownDown,
  closeRedisClient,
  GuardedRedisClient,
  createRedisClient,
  REDIS_RETRY_AFTER_SECONDS,
  RedisScript,
  toAppError,
  type RedisConnectionOptions,
} from './redis-connection.js';
