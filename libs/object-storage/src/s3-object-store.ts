import { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { AppError } from '@coffer/platform';
import type { Client } from 'minio';
import { BodyWatch, sizeMismatch, validateExpectedSize } from './body-failure.js';
import { validateByteRange } from './byte-range.js';
import { validateListPrefix, validateObjectKey } from './object-key.js';
import type { GetObjectOptions, ObjectContent, ObjectStat, ObjectStore, PutObjectOptions, PutObjectResult } from './object-store.js';
import { toStorageError } from './storage-error.js';


/**
 * Keys per list request. Pages stay small because the S3 client's XML parser refuses a
 * response with more than 1,000 entity expansions, and every listed object's ETag holds two
 * (`&quot;`): a full 1,000-key page fails to parse.
 */
const LIST_PAGE_SIZE = 250;

/** S3's smallest part (all but the last); also the smallest `partSize` accepted. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
/** Default part size, and the largest body sent as one PUT. */
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const MAX_PARTS = 10_000;
const INITIAL_BUFFER_SIZE = 64 * 1024;
const MAX_PART_SIZE = 5 * 1024 * 1024 * 1024;

/** Options of {@link S3ObjectStore}. */
export interface S3ObjectStoreOptions {
  /** A configured client; it holds the credentials, which this store never logs or exposes. */
  readonly client: Client;
  readonly bucket: string;
  /** Region for `makeBucket`. Default `us-east-1`. */
  readonly region?: string;
  /**
   * Bytes buffered per part, and the multipart threshold: a body up to this size is one PUT,
   * a longer one a multipart upload. Grows when `expectedSize` needs more than 10,000 parts.
   * Default {@link DEFAULT_PART_SIZE}; at least {@link MIN_PART_SIZE}.
   */
  readonly partSize?: number;
}

/**
 * Objects in one S3 bucket through the `minio` client (MinIO, AWS S3, any S3 server).
 *
 * `put` does its own multipart upload rather than the client's `putObject`: that one buffers
 * a whole part of up to 5 TiB / 10,000 when the size is unknown, hangs when the body errors
 * and resumes stale uploads of the same key. Here one part (`partSize`) is in memory per
 * upload; the object appears only at CompleteMultipartUpload, and any failure aborts the
 * upload so no parts are left behind.
 */
export class S3ObjectStore implements ObjectStore {
  readonly #client: Client;
  readonly #bucket: string;
  readonly #region: string;
  readonly #partSize: number;

  constructor(options: S3ObjectStoreOptions) {
    const partSize = options.partSize ?? DEFAULT_PART_SIZE;
    if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
      throw new AppError('invalid_argument', { detail: `partSize must be between ${MIN_PART_SIZE} and ${MAX_PART_SIZE} bytes.` });
    }
    this.#client = options.client;
    this.#bucket = options.bucket;
    this.#region = options.region ?? 'us-east-1';
    this.#partSize = partSize;
  }

  async prepare(): Promise<void> {
    try {
      if (await this.#client.bucketExists(this.#bucket)) return;
      await this.#client.makeBucket(this.#bucket, this.#region);
    } catch (error) {
      // Another instance may have created it in between.
      if (error instanceof Error && (error as { code?: unknown }).code === 'BucketAlreadyOwnedByYou') return;
      throw toStorageError(error);
    }
  }

  async checkReady(): Promise<void> {
    let exists: boolean;
    try {
      exists = await this.#client.bucketExists(this.#bucket);
    } catch (error) {
      const mapped = toStorageError(error);
      throw mapped.code === 'unavailable'
        ? mapped
        : new AppError('unavailable', { detail: 'The object store is unavailable.', retryAfterSeconds: 5, cause: error });
    }
    if (!exists) throw new AppError('unavailable', { detail: 'The object store bucket does not exist.', retryAfterSeconds: 5 });
  }

  async put(key: string, body: Readable, options: PutObjectOptions = {}): Promise<PutObjectResult> {
    validateObjectKey(key);
    validateExpectedSize(options.expectedSize);
    const watch = new BodyWatch(body);
    const headers: Record<string, string> = options.contentType === undefined ? {} : { 'Content-Type': options.contentType };
    const partSize = this.#partSizeFor(options.expectedSize);
    // Grows up to one part, so a small object does not cost a whole part of memory.
    let part: Buffer = Buffer.allocUnsafe(Math.min(partSize, INITIAL_BUFFER_SIZE));
    let filled = 0;
    let total = 0;
    let uploadId: string | undefined;
    const etags: { part: number; etag: string }[] = [];
    try {
      for await (const chunk of body as AsyncIterable<Buffer | string>) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        total += bytes.length;
        if (options.expectedSize !== undefined && total > options.expectedSize) throw sizeMismatch(options.expectedSize);
        let offset = 0;
        while (offset < bytes.length) {
          // A full part goes out only once more bytes arrive, so a body of exactly one part
          // stays a single PUT.
          if (filled === partSize) {
            uploadId ??= await this.#client.initiateNewMultipartUpload(this.#bucket, key, headers);
            etags.push(await this.#uploadPart(key, uploadId, etags.length + 1, part));
            filled = 0;
          }
          if (filled === part.length) part = grown(part, filled, partSize);
          const copied = bytes.copy(part, filled, offset);
          filled += copied;
          offset += copied;
        }
      }
      if (options.expectedSize !== undefined && total !== options.expectedSize) throw sizeMismatch(options.expectedSize);
      if (uploadId === undefined) {
        const result = await this.#client.putObject(this.#bucket, key, part.subarray(0, filled), filled, headers);
        return { size: total, etag: result.etag };
      }
      etags.push(await this.#uploadPart(key, uploadId, etags.length + 1, part.subarray(0, filled)));
      const result = await this.#client.completeMultipartUpload(this.#bucket, key, uploadId, etags);
      return { size: total, etag: result.etag };
    } catch (error) {
      body.destroy();
      if (uploadId !== undefined) {
        await this.#client.abortMultipartUpload(this.#bucket, key, uploadId).catch(() => undefined);
      }
      throw watch.failure(error);
    }
  }

  async get(key: string, options: GetObjectOptions = {}): Promise<ObjectContent> {
    validateObjectKey(key);
    const range = options.range;
    if (range !== undefined) validateByteRange(range);
    let response: Readable;
    try {
      response =
        range === undefined || (range.start === 0 && range.end === undefined)
          ? await this.#client.getObject(this.#bucket, key)
          : await this.#client.getPartialObject(
              this.#bucket,
              key,
              range.start,
              range.end === undefined ? 0 : range.end - range.start + 1,
            );
    } catch (error) {
      throw toStorageError(error);
    }
    if (!(response instanceof IncomingMessage)) {
      response.destroy();
      throw new AppError('internal', { detail: 'The object store failed.' });
    }
    const contentLength = Number(response.headers['content-length']);
    if (response.statusCode === 206) {
      const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(response.headers['content-range'] ?? '');
      if (match === null) {
        response.destroy();
        throw new AppError('internal', { detail: 'The object store sent an unreadable Content-Range.' });
      }
      const [, start, end, size] = match;
      return { body: response, size: Number(size), contentLength, range: { start: Number(start), end: Number(end) } };
    }
    if (range !== undefined && contentLength === 0) {
      response.destroy();
      throw new AppError('range_not_satisfiable', { detail: 'The range starts at or after the end of the object (0 bytes).' });
    }
    return {
      body: response,
      size: contentLength,
      contentLength,
      ...(range === undefined ? {} : { range: { start: 0, end: contentLength - 1 } }),
    };
  }

  async stat(key: string): Promise<ObjectStat | undefined> {
    validateObjectKey(key);
    try {
      const info = await this.#client.statObject(this.#bucket, key);
      return { size: info.size, lastModified: info.lastModified };
    } catch (error) {
      const mapped = toStorageError(error);
      if (mapped.code === 'not_found') return undefined;
      throw mapped;
    }
  }

  async delete(key: string): Promise<void> {
    validateObjectKey(key);
    try {
      await this.#client.removeObject(this.#bucket, key);
    } catch (error) {
      const mapped = toStorageError(error);
      if (mapped.code !== 'not_found') throw mapped;
    }
  }

  /** Every key under `prefix`, one page of LIST_PAGE_SIZE keys per request. */
  async *list(prefix = ''): AsyncGenerator<string> {
    validateListPrefix(prefix);
    let marker = '';
    for (;;) {
      let page: Awaited<ReturnType<Client['listObjectsQuery']>>;
      try {
        page = await this.#client.listObjectsQuery(this.#bucket, prefix, marker, { Delimiter: '', MaxKeys: LIST_PAGE_SIZE });
      } catch (error) {
        throw toStorageError(error);
      }
      for (const item of page.objects) if (item.name !== undefined) yield item.name;
      const last = page.objects.at(-1)?.name;
      if (page.isTruncated !== true || last === undefined) return;
      marker = page.nextMarker ?? last;
    }
  }

  /** The configured part size, grown so `expectedSize` fits in 10,000 parts. */
  #partSizeFor(expectedSize: number | undefined): number {
    if (expectedSize === undefined || expectedSize <= this.#partSize * MAX_PARTS) return this.#partSize;
    const needed = Math.ceil(expectedSize / MAX_PARTS / MIN_PART_SIZE) * MIN_PART_SIZE;
    if (needed > MAX_PART_SIZE) throw new AppError('payload_too_large', { detail: 'The object is larger than S3 allows.' });
    return needed;
  }

  async #uploadPart(key: string, uploadId: string, partNumber: number, bytes: Buffer): Promise<{ part: number; etag: string }> {
    if (partNumber > MAX_PARTS) {
      throw new AppError('payload_too_large', { detail: 'The object needs more parts than S3 allows; send its size.' });
    }
    const response = await this.#client.makeRequestAsync(
      {
        method: 'PUT',
        bucketName: this.#bucket,
        objectName: key,
        query: `partNumber=${partNumber}&uploadId=${encodeURIComponent(uploadId)}`,
        headers: { 'Content-Length': String(bytes.length) },
      },
      bytes,
    );
    response.resume();
    const etag = response.headers.etag;
    if (typeof etag !== 'string' || etag === '') throw new AppError('internal', { detail: 'The object store sent no part ETag.' });
    return { part: partNumber, etag: etag.replace(/^"|"$/g, '') };
  }
}

/** A buffer twice as large (at most `limit`) holding the first `filled` bytes of `buffer`. */
function grown(buffer: Buffer, filled: number, limit: number): Buffer {
  const next = Buffer.allocUnsafe(Math.min(limit, buffer.length * 2));
  buffer.copy(next, 0, 0, filled);
  return next;
}
