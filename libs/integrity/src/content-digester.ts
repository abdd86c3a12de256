import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '@coffer/platform';
import { hexBytes, macEquals } from './hmac-compare.js';
import type { HmacKeyRing } from './hmac-key-ring.js';
import { purposeKey } from './key-purpose.js';

/** How many leading bytes a digester keeps for content sniffing unless told otherwise. */
export const DEFAULT_HEAD_BYTES = 4096;

/** The event a {@link ContentDigester} emits, with the head as its argument, once the head is complete. */
export const CONTENT_HEAD_EVENT = 'head';

export interface ContentDigesterOptions {
  /** Its active key MACs the content, unless `hmacKeyId` names another. */
  ring: HmacKeyRing;
  /**
   * MAC with this key of the ring instead of the active one: for checking stored content
   * against the HMAC recorded with it. An unknown id fails construction with `integrity_error`.
   */
  hmacKeyId?: string;
  /** How many leading bytes to keep (default {@link DEFAULT_HEAD_BYTES}). */
  headBytes?: number;
  /** More bytes than this fail the stream with `payload_too_large`; none beyond it pass on. */
  maxBytes?: number;
  /**
   * Called with the running total before each chunk passes on; whatever it throws (an
   * `AppError('payload_too_large')` for a quota, say) fails the stream and that chunk does
   * not pass on. Synchronous on purpose: it runs once a chunk, so look the quota up before.
   */
  onBytes?: (totalBytes: number) => void;
}

/** What a {@link ContentDigester} learnt of the content, once it has ended. */
export interface ContentDigest {
  size: number;
  sha256Hex: string;
  hmacHex: string;
  hmacKeyId: string;
  /** The first `headBytes` bytes (all of them for shorter content). */
  head: Buffer;
}

/** A content HMAC as stored next to the content. */
export interface RecordedContentHmac {
  keyId: string;
  hmacHex: string;
}

/**
 * Passes bytes through unchanged while computing their SHA-256 and HMAC-SHA256, counting them
 * and keeping the first few for content sniffing; enforces a size limit and a per-chunk hook
 * (quota) on the way. Put it in a `pipeline` between the body and the store; after it ends,
 * {@link ContentDigester.result} says what went through.
 */
export class ContentDigester extends Transform {
  readonly #sha256: Hash = createHash('sha256');
  readonly #hmac: Hmac;
  readonly #hmacKeyId: string;
  readonly #headBytes: number;
  readonly #maxBytes: number | undefined;
  readonly #onBytes: ((totalBytes: number) => void) | undefined;
  readonly #headChunks: Buffer[] = [];
  #headLength = 0;
  #headComplete = false;
  #size = 0;
  #result: ContentDigest | undefined;

  constructor(options: ContentDigesterOptions) {
    super();
    const headBytes = options.headBytes ?? DEFAULT_HEAD_BYTES;
    if (!Number.isSafeInteger(headBytes) || headBytes < 0) {
      throw new AppError('invalid_argument', { detail: 'headBytes must be a whole number ≥ 0.' });
    }
    if (options.maxBytes !== undefined && (!Number.isSafeInteger(options.maxBytes) || options.maxBytes < 0)) {
      throw new AppError('invalid_argument', { detail: 'maxBytes must be a whole number ≥ 0.' });
    }
    const key = options.hmacKeyId === undefined ? options.ring.active : options.ring.get(options.hmacKeyId);
    if (key === undefined) {
      throw new AppError('integrity_error', { detail: 'The content HMAC was made with a key that is no longer known.' });
    }
    this.#hmac = createHmac('sha256', purposeKey(key, 'content-hmac'));
    this.#hmacKeyId = key.id;
    this.#headBytes = headBytes;
    this.#maxBytes = options.maxBytes;
    this.#onBytes = options.onBytes;
  }

  /** The bytes of the head seen so far (a copy): complete once the head event has fired. */
  head(): Buffer {
    return Buffer.concat(this.#headChunks, this.#headLength);
  }

  /**
   * Resolves with the head once `headBytes` bytes or the end have been seen; rejects when the
   * stream fails or closes before that.
   */
  headReady(): Promise<Buffer> {
    if (this.#headComplete) return Promise.resolve(this.head());
    if (this.destroyed) return Promise.reject(this.errored ?? closedEarly());
    return new Promise((resolve, reject) => {
      const onHead = (head: Buffer): void => {
        this.off('close', onClose);
        resolve(head);
      };
      const onClose = (): void => {
        this.off(CONTENT_HEAD_EVENT, onHead);
        reject(this.errored ?? closedEarly());
      };
      this.once(CONTENT_HEAD_EVENT, onHead);
      this.once('close', onClose);
    });
  }

  /** What went through; throws until the stream has been flushed (its last byte digested). */
  result(): ContentDigest {
    if (this.#result === undefined) {
      throw new AppError('internal', { detail: 'ContentDigester.result() was called before the content ended.' });
    }
    return { ...this.#result, head: Buffer.from(this.#result.head) };
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const total = this.#size + chunk.length;
    if (this.#maxBytes !== undefined && total > this.#maxBytes) {
      callback(new AppError('payload_too_large', { detail: `The content is larger than the limit of ${this.#maxBytes} bytes.` }));
      return;
    }
    try {
      this.#onBytes?.(total);
    } catch (error) {
      callback(error instanceof Error ? error : new AppError('internal', { cause: error }));
      return;
    }
    this.#size = total;
    this.#sha256.update(chunk);
    this.#hmac.update(chunk);
    this.#keepHead(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#completeHead();
    this.#result = {
      size: this.#size,
      sha256Hex: this.#sha256.digest('hex'),
      hmacHex: this.#hmac.digest('hex'),
      hmacKeyId: this.#hmacKeyId,
      head: this.head(),
    };
    callback();
  }

  #keepHead(chunk: Buffer): void {
    if (this.#headComplete) return;
    const wanted = this.#headBytes - this.#headLength;
    if (wanted > 0 && chunk.length > 0) {
      // A copy: the producer may reuse the chunk's memory once it has been passed on.
      const part = Buffer.from(chunk.subarray(0, wanted));
      this.#headChunks.push(part);
      this.#headLength += part.length;
    }
    if (this.#headLength >= this.#headBytes) this.#completeHead();
  }

  #completeHead(): void {
    if (this.#headComplete) return;
    this.#headComplete = true;
    this.emit(CONTENT_HEAD_EVENT, this.head());
  }
}

/**
 * Whether `computedHex` equals `recordedHex`, compared in constant time, for a MAC recorded
 * with key `keyId`. False (never a throw) for a key the ring no longer knows, malformed hex or
 * different lengths.
 */
export function hmacMatches(ring: HmacKeyRing, keyId: string, computedHex: string, recordedHex: string): boolean {
  if (ring.get(keyId) === undefined) return false;
  const computed = hexBytes(computedHex);
  const recorded = hexBytes(recordedHex);
  return computed !== undefined && recorded !== undefined && macEquals(computed, recorded);
}

/**
 * Recomputes the content HMAC of `content` with the recorded key and compares it with the
 * recorded one. It checks the bytes themselves, so it holds even where a stored SHA-256 could
 * have been rewritten along with them. False for an unknown key.
 */
export async function verifyContentHmac(
  ring: HmacKeyRing,
  recorded: RecordedContentHmac,
  content: Buffer | AsyncIterable<Buffer | Uint8Array>,
): Promise<boolean> {
  const key = ring.get(recorded.keyId);
  if (key === undefined) return false;
  const hmac = createHmac('sha256', purposeKey(key, 'content-hmac'));
  if (Buffer.isBuffer(content)) {
    hmac.update(content);
  } else {
    for await (const chunk of content) hmac.update(chunk);
  }
  return hmacMatches(ring, recorded.keyId, hmac.digest('hex'), recorded.hmacHex);
}

function closedEarly(): AppError {
  return new AppError('invalid_argument', { detail: 'The content ended before it was complete.' });
}
