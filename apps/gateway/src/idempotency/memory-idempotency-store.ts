import { AppError } from '@coffer/platform';
import { decodeRecord, encodeRecord, type IdempotencyRecord, type IdempotencyStore, type Reservation, type StoredAnswer } from './idempotency-store.js';

/** Milliseconds since the epoch, like `Date.now`; injected so tests can move time by hand. */
export type Clock = () => number;

interface Entry {
  /** The record as Redis would hold it (JSON), so both stores keep the same thing. */
  readonly text: string;
  readonly expiresAt: number;
}

/** What every call rejects with after `close` (the same as the Redis store). */
export function closedStoreError(): AppError {
  return new AppError('unavailable', { detail: 'The idempotency store is closed.', retryAfterSeconds: 1 });
}

/**
 * The embedded {@link IdempotencyStore} (`memory://`): a map in this process, expiring entries by
 * the injected clock. Keys are per process: two gateway processes with memory stores do not
 * see each other's keys, so production uses the Redis store.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private readonly sweepIntervalMs: number;
  private lastSweepAt: number;
  private closed = false;

  constructor(options: { clock?: Clock; sweepIntervalMs?: number } = {}) {
    this.clock = options.clock ?? Date.now;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    this.lastSweepAt = this.clock();
  }

  reserve(key: string, reservation: { fingerprint: string; token: string }, leaseMs: number): Promise<Reservation> {
    return this.run(() => {
      const record = this.read(key);
      if (record) return { reserved: false, record };
      this.write(key, { state: 'running', ...reservation }, leaseMs);
      return { reserved: true };
    });
  }

  complete(key: string, token: string, answer: StoredAnswer, ttlMs: number): Promise<boolean> {
    return this.run(() => {
      const record = this.read(key);
      if (record?.state !== 'running' || record.token !== token) return false;
      this.write(key, { state: 'completed', fingerprint: record.fingerprint, answer }, ttlMs);
      return true;
    });
  }

  release(key: string, token: string): Promise<void> {
    return this.run(() => {
      const record = this.read(key);
      if (record?.state === 'running' && record.token === token) this.entries.delete(key);
    });
  }

  get(key: string): Promise<IdempotencyRecord | undefined> {
    return this.run(() => this.read(key));
  }

  checkReady(): Promise<void> {
    return this.run(() => undefined);
  }

  close(): Promise<void> {
    this.closed = true;
    this.entries.clear();
    return Promise.resolve();
  }

  private read(key: string): IdempotencyRecord | undefined {
    const now = this.clock();
    this.sweepIfDue(now);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (now >= entry.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return decodeRecord(entry.text);
  }

  private write(key: string, record: IdempotencyRecord, ttlMs: number): void {
    this.entries.set(key, { text: encodeRecord(record), expiresAt: this.clock() + positiveMs(ttlMs) });
  }

  /** Synchronous throws become rejections, as with the Redis store. */
  private run<T>(action: () => T): Promise<T> {
    try {
      if (this.closed) throw closedStoreError();
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

/** TTLs and leases are whole, positive milliseconds (as Redis PX wants them). */
export function positiveMs(ms: number): number {
  if (!Number.isFinite(ms) || ms < 1) throw new AppError('invalid_argument', { detail: 'An idempotency TTL or lease must be at least 1 ms.' });
  return Math.floor(ms);
}
