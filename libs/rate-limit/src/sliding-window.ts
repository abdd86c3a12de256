import { AppError } from '@coffer/platform';
import type { RateLimitDecision, RateLimitRule } from './rate-limiter.js';

/**
 * The sliding-window counter, as pure arithmetic. The memory limiter calls it; the Redis
 * limiter's Lua script (redis-rate-limit-script.ts) performs the same operations in the same
 * order on IEEE doubles, so both give identical decisions for identical inputs — a test in
 * test/redis.test.ts replays random sequences against both and compares.
 */

/** What is kept per key: usage of fixed window number `window` and of the one before it. */
export interface WindowState {
  /** floor(time / windowMs) of the window `current` belongs to. */
  readonly window: number;
  readonly current: number;
  readonly previous: number;
}

/** The result of one step: the decision, and the state to store (undefined: leave it). */
export interface SlidingWindowStep {
  readonly decision: RateLimitDecision;
  readonly next: WindowState | undefined;
}

/** The state to store after a refund, and when the caller may drop it (the key's new expiry). */
export interface SlidingWindowRefund {
  readonly next: WindowState;
  /** As `RateLimitDecision.resetMs`: from `now`, how long until `next` no longer matters. */
  readonly resetMs: number;
}

/** A rule with its defaults applied and checked. */
export interface CheckedRule {
  readonly limit: number;
  readonly windowMs: number;
  readonly cost: number;
}

/**
 * Slack for floating-point noise in `previous * weight` (relative error about 2e-16), relative
 * to the limit. Counts are whole numbers, so below a limit of 1e12 this never admits a whole
 * extra unit; above it, at most one unit in 1e12.
 */
const RELATIVE_TOLERANCE = 1e-12;

/** One year: longer windows are not rate limits, and key TTLs (up to two windows) stay sane. */
export const MAX_WINDOW_MS = 31_622_400_000;

/** Throws `invalid_argument` unless `key` is a non-empty string; returns it. */
export function requireKey(key: string): string {
  if (typeof key !== 'string' || key === '') {
    throw new AppError('invalid_argument', { detail: 'The rate-limit key must be a non-empty string.' });
  }
  return key;
}

/** The error every method of a closed limiter rejects with. */
export function closedLimiterError(): AppError {
  return new AppError('unavailable', { detail: 'The rate limiter is closed.', retryAfterSeconds: 1 });
}

/** Throws `invalid_argument` naming the problem; returns the rule with cost defaulted to 1. */
export function checkRule(key: string, rule: RateLimitRule): CheckedRule {
  requireKey(key);
  const { limit, windowMs } = rule;
  const cost = rule.cost ?? 1;
  if (!Number.isSafeInteger(limit) || limit <= 0) {
    throw new AppError('invalid_argument', { detail: 'limit must be a positive whole number.' });
  }
  if (!Number.isSafeInteger(windowMs) || windowMs <= 0 || windowMs > MAX_WINDOW_MS) {
    throw new AppError('invalid_argument', {
      detail: 'windowMs must be a positive whole number of milliseconds, at most one year.',
    });
  }
  if (!Number.isSafeInteger(cost) || cost < 0) {
    throw new AppError('invalid_argument', { detail: 'cost must be a whole number of at least 0.' });
  }
  if (cost > limit) {
    throw new AppError('invalid_argument', { detail: 'cost must not exceed limit: such a call could never be allowed.' });
  }
  return { limit, windowMs, cost };
}

/**
 * One consume at time `now` (whole milliseconds). A denied or zero-cost call leaves the state
 * as it is; an allowed one returns the state to store, which the caller may drop after
 * `decision.resetMs` (it no longer matters then).
 */
export function slidingWindowConsume(state: WindowState | undefined, now: number, rule: CheckedRule): SlidingWindowStep {
  const { limit, windowMs, cost } = rule;
  const elapsed = now % windowMs;
  let window = (now - elapsed) / windowMs;
  let previous = 0;
  let current = 0;
  if (state !== undefined) {
    if (state.window >= window) {
      // Same window; a later one only when a clock stepped back: keep counting in it.
      window = state.window;
      previous = state.previous;
      current = state.current;
    } else if (state.window === window - 1) {
      previous = state.current;
    }
  }
  const weight = (windowMs - elapsed) / windowMs;
  const estimate = previous * weight + current;
  const tolerance = limit * RELATIVE_TOLERANCE;
  const allowed = estimate + cost <= limit + tolerance;

  let retryAfterMs = 0;
  let used = estimate;
  if (allowed) {
    current = current + cost;
    used = estimate + cost;
  } else {
    const room = limit - cost - current;
    if (room >= 0) {
      // Wait until the previous window's weight has shrunk enough (before this window ends).
      retryAfterMs = Math.ceil(windowMs - elapsed - (room * windowMs) / previous);
    } else {
      // Wait for the next window, then until this window's usage has shrunk enough there.
      retryAfterMs = windowMs - elapsed + Math.max(0, Math.ceil(windowMs - ((limit - cost) * windowMs) / current));
    }
  }
  const remaining = Math.max(0, Math.floor(limit - used + tolerance));
  const resetMs = current > 0 ? 2 * windowMs - elapsed : previous > 0 ? windowMs - elapsed : 0;
  return {
    decision: { allowed, remaining, retryAfterMs, resetMs },
    next: allowed && cost > 0 ? { window, current, previous } : undefined,
  };
}

/**
 * Gives back `rule.cost` units consumed earlier with the same rule, at time `now`. If the stored
 * state is of the current window (or a later one, when a clock stepped back), its usage is
 * lowered; if it is of the window before, that window's usage (now the `previous` one) is
 * lowered; older state counts for nothing and so has nothing to refund. Usage never goes below
 * zero. Returns the state to store with its reset time, or undefined when nothing is left to
 * store (the caller deletes the key, if there is one; a missing key stays missing).
 */
export function slidingWindowRefund(state: WindowState | undefined, now: number, rule: CheckedRule): SlidingWindowRefund | undefined {
  if (state === undefined) return undefined;
  const { windowMs, cost } = rule;
  const elapsed = now % windowMs;
  let window = (now - elapsed) / windowMs;
  let previous = 0;
  let current = 0;
  if (state.window >= window) {
    window = state.window;
    previous = state.previous;
    current = Math.max(0, state.current - cost);
  } else if (state.window === window - 1) {
    previous = Math.max(0, state.current - cost);
  }
  const resetMs = current > 0 ? 2 * windowMs - elapsed : previous > 0 ? windowMs - elapsed : 0;
  return resetMs > 0 ? { next: { window, current, previous }, resetMs } : undefined;
}
