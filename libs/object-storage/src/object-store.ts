import type { Readable } from 'node:stream';

/** Options of {@link ObjectStore.put}. */
export interface PutObjectOptions {
  /** Recorded by S3 for operators; the File service keeps its own copy in metadata. */
  readonly contentType?: string;
  /**
   * The exact size, when known (Content-Length). A body of another size is refused with
   * `invalid_argument` and nothing is stored. S3 also sizes its multipart parts from it.
   */
  readonly expectedSize?: number;
}

/** What {@link ObjectStore.put} stored. */
export interface PutObjectResult {
  readonly size: number;
  /** The server's ETag (S3 only); not a content hash for multipart objects. */
  readonly etag?: string;
}

/** Inclusive byte positions, as in an HTTP Range header; `end` past the last byte is clamped. */
export interface ByteRange {
  readonly start: number;
  readonly end?: number;
}

/** Options of {@link ObjectStore.get}. */
export interface GetObjectOptions {
  readonly range?: ByteRange;
}

/** An object being read. The caller must consume or destroy `body`. */
export interface ObjectContent {
  readonly body: Readable;
  /** Size of the whole object. */
  readonly size: number;
  /** Bytes `body` yields: the size of the range, or of the whole object. */
  readonly contentLength: number;
  /** Inclusive range served, after clamping; present when a range was asked for. */
  readonly range?: { readonly start: number; readonly end: number };
}

/** Size and age of a stored object. */
export interface ObjectStat {
  readonly size: number;
  readonly lastModified: Date;
}

/**
 * Where object bytes live, with an S3 and a filesystem implementation that pass one contract
 * suite (test/object-store.contract.ts). Semantics both keep:
 * - `put` streams the body and is atomic: readers see the old object or the whole new one,
 *   never a part; a body that fails or ends early leaves the previous state untouched.
 * - Keys are validated ({@link validateObjectKey}); bad ones reject with `invalid_argument`.
 * - Failures are `AppError`s: `not_found`, `range_not_satisfiable`, `invalid_argument`, and
 *   `unavailable` (with `retryAfterSeconds`) when the backing storage cannot be reached.
 *   An `AppError` thrown by the body stream itself (a quota check, say) passes through.
 */
export interface ObjectStore {
  /** Creates what the store needs (the S3 bucket, the root folder). Call at start-up; idempotent. */
  prepare(): Promise<void>;

  put(key: string, body: Readable, options?: PutObjectOptions): Promise<PutObjectResult>;

  /** `not_found` for a missing key; `range_not_satisfiable` when `range.start` ≥ size. */
  get(key: string, options?: GetObjectOptions): Promise<ObjectContent>;

  /** `undefined` for a missing key. */
  stat(key: string): Promise<ObjectStat | undefined>;

  /** Removes the object; deleting a missing key succeeds. */
  delete(key: string): Promise<void>;

  /** Every key starting with `prefix` (default: all), once each, in byte order. */
  list(prefix?: string): AsyncIterable<string>;

  /** Readiness check: rejects with `AppError('unavailable')` when storage cannot be reached. */
  checkReady(): Promise<void>;
}
