/** How much a key may consume: `limit` units per `windowMs`. */
export interface RateLimitRule {
  /** Units allowed per window; a positive whole number. */
  readonly limit: number;
  /** Window length in milliseconds; a positive whole number, at most one year. */
  readonly windowMs: number;
  /**
   * Units this call consumes (requests: 1, uploads: bytes). A whole number from 0 to `limit`;
   * default 1. 0 asks for the current state without consuming anything.
   */
  readonly cost?: number;
}

/** The answer to one {@link RateLimiter.consume}. All durations are whole milliseconds. */
export interface RateLimitDecision {
  /** Whether the units were consumed. A denied call consumes nothing. */
  readonly allowed: boolean;
  /** Units that could still be consumed right now (after this call), rounded down. */
  readonly remaining: number;
  /** 0 when allowed; otherwise how long until the same call would be allowed (`Retry-After`). */
  readonly retryAfterMs: number;
  /** How long until the key's whole limit is available again (the `RateLimit` reset). */
  readonly resetMs: number;
}

/**
 * A sliding-window rate limiter (docs/adr/0010-sessions-and-rate-limits.md): the usage of the
 * current fixed window plus the previous window's usage weighted by how much of it still
 * overlaps the sliding window. No aligned window ever admits more than `limit` units, and
 * under steady overload about `limit` units pass per window.
 *
 * Keys are opaque strings, stored as given (after the implementation's prefix). Callers must
 * hash personal data such as IP addresses or e-mail addresses before using them as keys (for
 * example an HMAC with a server secret), and should put the route class into the key
 * (`login:ip:<hmac>`); a key is meant to be used with one rule.
 *
 * Implementations give the same decisions for the same sequence of calls and times; calls are
 * atomic, so concurrent consumers never overshoot the limit. They reject with
 * `AppError('unavailable')` (with `retryAfterSeconds`) when the backing engine cannot be
 * reached or after {@link close}, without waiting longer than the command timeout, and with
 * `AppError('invalid_argument')` for malformed keys or rules; whether to fail open or closed
 * is the caller's decision.
 */
export interface RateLimiter {
  /** Consumes `rule.cost` units (default 1) of `key` if they fit; see {@link RateLimitDecision}. */
  consume(key: string, rule: RateLimitRule): Promise<RateLimitDecision>;

  /**
   * Gives back `rule.cost` units (default 1) that an allowed {@link consume} of `key` with the
   * same rule took, for work that was admitted but never done (a dependency failed first).
   * Lowers the usage of the window the key is in now, or, if that consume happened in the
   * previous fixed window, that window's usage; older units no longer count, so there is
   * nothing to give back. Usage never goes below zero and a refund never creates a key, so
   * refunding more than was consumed gives nothing extra. Validates like `consume`.
   */
  refund(key: string, rule: RateLimitRule): Promise<void>;

  /** Forgets everything about `key`, so its whole limit is available again. */
  reset(key: string): Promise<void>;

  /**
   * Readiness check: resolves when the limiter can serve requests, rejects with
   * `AppError('unavailable')` otherwise. Fits `Readiness.add` of `@coffer/platform`.
   */
  checkReady(): Promise<void>;

  /** Releases connections. Idempotent; every later call rejects with `unavailable`. */
  close(): Promise<void>;
}
