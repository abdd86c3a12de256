/**
 * @coffer/rate-limit: a sliding-window rate limiter behind one interface, with an atomic Redis
 * implementation and an in-memory one (docs/adr/0010-sessions-and-rate-limits.md).
 */
export { type RateLimitDecision, type RateLimiter, type RateLimitRule } from './rate-limiter.js';
export { MemoryRateLimiter, type Clock, type MemoryRateLimiterOptions } from './memory-rate-limiter.js';
export { DEFAULT_RATE_LIMIT_KEY_PREFIX, RedisRateLimiter, type RedisRateLimiterOptions } from './redis-rate-limiter.js';
export { createRateLimiterFromUrl, type RateLimiterFromUrlOptions } from './create-rate-limiter-from-url.js';
