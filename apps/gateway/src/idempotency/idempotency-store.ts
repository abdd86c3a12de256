/**
 * What the gateway keeps per (caller, Idempotency-Key): first a reservation while the first
 * request runs, then that request's answer, replayed to retries (docs/adr/0020-idempotency-keys.md).
 */

/** The answer of a request, as replayed: status, the headers that matter and the exact body bytes. */
export interface StoredAnswer {
  readonly status: number;
  /** Lower-case header names (content-type, location, etag) to their values. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body, base64 (bytes stay exact whatever the content type). */
  readonly bodyBase64: string;
}

/** A key's state: reserved by a request that is still running, or holding that request's answer. */
export type IdempotencyRecord =
  | { readonly state: 'running'; readonly fingerprint: string; readonly token: string }
  | { readonly state: 'completed'; readonly fingerprint: string; readonly answer: StoredAnswer };

/** What {@link IdempotencyStore.reserve} found. */
export type Reservation =
  /** The key was free and is now reserved for `token` until the lease ends. */
  | { readonly reserved: true }
  /** The key is taken: by a running request or by a stored answer. */
  | { readonly reserved: false; readonly record: IdempotencyRecord };

/**
 * The store behind Idempotency-Key: {@link MemoryIdempotencyStore} (one process, `memory://`)
 * or {@link RedisIdempotencyStore} (shared by every gateway instance, `redis://`). Keys are
 * opaque strings (callers hash the user id and the client's key into them); every entry
 * expires by itself: a reservation when its lease ends, an answer after its time to live.
 *
 * Reservations are atomic: of any number of concurrent `reserve` calls for a free key, on any
 * number of instances, exactly one succeeds. `complete` and `release` act only while the key is
 * still reserved for the same `token`, so a request that outlived its lease cannot overwrite or
 * free the reservation of the request that took the key after it.
 *
 * Calls reject with `AppError('unavailable')` when the backing engine cannot be reached or after
 * `close`.
 */
export interface IdempotencyStore {
  /** Reserves a free `key` for `leaseMs`, or tells what holds it. */
  reserve(key: string, reservation: { fingerprint: string; token: string }, leaseMs: number): Promise<Reservation>;

  /** Replaces the reservation of `token` with `answer`, kept for `ttlMs`. False when the reservation is gone. */
  complete(key: string, token: string, answer: StoredAnswer, ttlMs: number): Promise<boolean>;

  /** Frees the key when it is still reserved for `token` (the request may run again). */
  release(key: string, token: string): Promise<void>;

  /** The key's current state; undefined when free. */
  get(key: string): Promise<IdempotencyRecord | undefined>;

  /** Resolves when the store can serve requests; rejects with `unavailable` otherwise. */
  checkReady(): Promise<void>;

  /** Releases connections. Idempotent; every later call rejects with `unavailable`. */
  close(): Promise<void>;
}

/** Encodes a record as stored (JSON, so Redis and memory hold the same text). */
export function encodeRecord(record: IdempotencyRecord): string {
  return JSON.stringify(record);
}

/** Decodes a stored record; anything malformed counts as absent (it is overwritten or expires). */
export function decodeRecord(text: string | null | undefined): IdempotencyRecord | undefined {
  if (text === null || text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record['fingerprint'] !== 'string') return undefined;
  if (record['state'] === 'running' && typeof record['token'] === 'string') {
    return { state: 'running', fingerprint: record['fingerprint'], token: record['token'] };
  }
  const answer = record['answer'] as Record<string, unknown> | undefined;
  if (
    record['state'] === 'completed' &&
    typeof answer === 'object' &&
    answer !== null &&
    typeof answer['status'] === 'number' &&
    typeof answer['bodyBase64'] === 'string' &&
    typeof answer['headers'] === 'object' &&
    answer['headers'] !== null &&
    Object.values(answer['headers']).every((header) => typeof header === 'string')
  ) {
    return {
      state: 'completed',
      fingerprint: record['fingerprint'],
      answer: { status: answer['status'], headers: answer['headers'] as Record<string, string>, bodyBase64: answer['bodyBase64'] },
    };
  }
  return undefined;
}
