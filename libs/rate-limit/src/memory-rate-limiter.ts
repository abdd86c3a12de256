import type { RateLimitDecision, RateLimiter, RateLimitRule } from './rate-limiter.js';
import { checkRule, closedLimiterError, requireKey, slidingWindowConsume, slidingWindowRefund, type WindowState } from './sliding-window.js';

/** Milliseconds since the epoch, like `Date.now`. Injected so tests can move time by hand. */
export type Clock = () => number;

/** Options of {@link MemoryRateLimiter}. */
export interface MemoryRateLimiterOptions {
  /** Default `Date.now`. Fractions of a millisecond are dropped. */
  readonly clock?: Clock;
  /** How often, at most, keys whose state no longer matters are dropped. Default 60 000 ms. */
  readonly sweepIntervalMs?: number;
}

interface Entry {
  readonly state: WindowState;
  /** From here on the state no longer changes any decision (the Redis key's expiry). */
  readonly expiresAt: number;
}

/**
 * The embedded {@link RateLimiter} for `make dev` and single-node runs: a map in this process,
 * the same sliding-window arithmetic as the Redis script, so the same decisions. Limits are
 * per process: two processes with memory limiters each allow the full limit.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private readonly sweepIntervalMs: number;
  private lastSweepAt: number;
  private closed = false;

  constructor(options: MemoryRateLimiterOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    this.lastSweepAt = this.now();
  }

  consume(key: string, rule: RateLimitRule): Promise<RateLimitDecision> {
    return this.run(() => {
      const checked = checkRule(key, rule);
      const now = this.now();
      const state = this.liveState(key, now);
      const { decision, next } = slidingWindowConsume(state, now, checked);
      if (next !== undefined) this.entries.set(key, { state: next, expiresAt: now + decision.resetMs });
      return decision;
    });
  }

  refund(key: string, rule: RateLimitRule): Promise<void> {
    return this.run(() => {
      const checked = checkRule(key, rule);
      const now = this.now();
      const state = this.liveState(key, now);
      const refunded = slidingWindowRefund(state, now, checked);
      if (refunded === undefined) this.entries.delete(key);
      else this.entries.set(key, { state: refunded.next, expiresAt: now + refunded.resetMs });
    });
  }

  reset(key: string): Promise<void> {
    return this.run(() => {
      this.entries.delete(requireKey(key));
    });
  }

  checkReady(): Promise<void> {
    return this.run(() => undefined);
  }

  close(): Promise<void> {
    this.closed = true;
    this.entries.clear();
    return Promise.resolve();
  }

  /** The key's state if it still matters at `now` (after dropping expired keys when due). */
  private liveState(key: string, now: number): WindowState | undefined {
    this.sweepIfDue(now);
    const entry = this.entries.get(key);
    return entry !== undefined && now < entry.expiresAt ? entry.state : undefined;
  }

  private now(): number {
    return Math.floor(this.clock());
  }

  /** Synchronous throws become rejections, as with the Redis limiter. */
  private run<T>(action: () => T): Promise<T> {
    try {
      if (this.closed) throw closedLimiterError();
      return Promise.resolve(action());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private sweepIfDue(now: number): void {
    if (now - this.lastSweepAt < this.sweepIntervalMs) return;
    this.lastSweepAt = now;
    for (const [key, entry] of this.entries) {
      if (now >= entry.expiresAt) this.entries.delete(key);
    }
  }
}
