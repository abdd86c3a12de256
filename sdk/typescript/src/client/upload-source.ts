import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';

/**
 * What can be uploaded: a file path (Node), bytes, a Blob (or File), a web stream, a Node
 * stream, or any async iterable of bytes. Paths, bytes and Blobs can be sent again (so a failed
 * upload can be retried); streams and iterables only once.
 */
export type UploadSource = string | Uint8Array | Blob | ReadableStream<Uint8Array> | NodeJS.ReadableStream | AsyncIterable<Uint8Array>;

/** An upload source made uniform: how to produce its bytes, and what is known before sending. */
export interface PreparedUpload {
  /** A fresh stream of the bytes; callable again only when `replayable`. */
  open(): ReadableStream<Uint8Array>;
  replayable: boolean;
  /** Bytes, when known before sending. */
  size: number | undefined;
  /** SHA-256 of the bytes when it could be computed before sending (path, bytes, Blob). */
  sha256: Buffer | undefined;
  /** A name the source carries: the basename of a path, the name of a `File`. */
  name: string | undefined;
  /** A type the source carries: the `type` of a Blob. */
  contentType: string | undefined;
}

/**
 * Makes any {@link UploadSource} uniform. Hashes replayable sources first (a file is read
 * twice, streamed both times) so the digest can be sent as `Content-Digest`; one-shot streams
 * are not read here at all.
 */
export async function prepareUpload(source: UploadSource, options: { computeDigest?: boolean } = {}): Promise<PreparedUpload> {
  const computeDigest = options.computeDigest ?? true;
  if (typeof source === 'string') {
    const info = await stat(source);
    if (!info.isFile()) throw new TypeError(`${source} is not a regular file.`);
    const open = () => Readable.toWeb(createReadStream(source)) as ReadableStream<Uint8Array>;
    return {
      open,
      replayable: true,
      size: info.size,
      sha256: computeDigest ? await sha256OfStream(open()) : undefined,
      name: basename(source),
      contentType: undefined,
    };
  }
  if (source instanceof Uint8Array) {
    const bytes = source;
    return {
      open: () => streamOfBytes(bytes),
      replayable: true,
      size: bytes.byteLength,
      sha256: computeDigest ? createHash('sha256').update(bytes).digest() : undefined,
      name: undefined,
      contentType: undefined,
    };
  }
  if (source instanceof Blob) {
    const blob = source;
    const name = 'name' in blob && typeof blob.name === 'string' && blob.name !== '' ? blob.name : undefined;
    return {
      open: () => blob.stream(),
      replayable: true,
      size: blob.size,
      sha256: computeDigest ? await sha256OfStream(blob.stream()) : undefined,
      name,
      contentType: blob.type || undefined,
    };
  }
  const once = oneShotStream(source);
  return { open: once, replayable: false, size: undefined, sha256: undefined, name: undefined, contentType: undefined };
}

/** A web stream of a one-shot source, which may be opened once only. */
function oneShotStream(source: ReadableStream<Uint8Array> | NodeJS.ReadableStream | AsyncIterable<Uint8Array>): () => ReadableStream<Uint8Array> {
  let opened = false;
  return () => {
    if (opened) throw new TypeError('This upload source is a stream and can be read only once.');
    opened = true;
    if (isWebReadableStream(source)) return source;
    if (isAsyncIterable(source)) return streamOfIterable(source);
    // An old-style Node stream without async iteration: wrap it so it can be iterated.
    return streamOfIterable(new Readable().wrap(source));
  };
}

function isWebReadableStream(value: unknown): value is ReadableStream<Uint8Array> {
  return value instanceof ReadableStream || (typeof value === 'object' && value !== null && typeof (value as { getReader?: unknown }).getReader === 'function');
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

/** A web stream pulling from an async iterable; strings (from a Node stream with an encoding) become UTF-8. */
export function streamOfIterable(iterable: AsyncIterable<unknown>): ReadableStream<Uint8Array> {
  const iterator = iterable[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) {
        controller.close();
        return;
      }
      controller.enqueue(toBytes(next.value));
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  });
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('Upload streams must produce bytes (Uint8Array or Buffer) or strings.');
}

/** A stream of bytes in slices, so progress moves in steps and fetch never copies a huge array at once. */
function streamOfBytes(bytes: Uint8Array, sliceSize = 256 * 1024): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) {
        controller.close();
        return;
      }
      const end = Math.min(bytes.byteLength, offset + sliceSize);
      controller.enqueue(bytes.subarray(offset, end));
      offset = end;
    },
  });
}

async function sha256OfStream(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest();
}
