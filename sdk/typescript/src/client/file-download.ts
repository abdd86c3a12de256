import { Readable } from 'node:stream';
import { CofferIntegrityError } from './coffer-errors.js';
import { sha256FromDigestField } from './content-digest.js';
import { meteredStream, type MeteredResult, type TransferProgress } from './metered-stream.js';

/** Settings of a download. */
export interface DownloadOptions {
  /** One byte range: `start` to `end` inclusive (to the end of the file without `end`). */
  range?: { start: number; end?: number };
  /** Called as bytes arrive; `total` is the length of this answer's body when known. */
  onProgress?: (progress: TransferProgress) => void;
  signal?: AbortSignal;
  /** An ETag you have: an unchanged file answers 304 (`notModified`) with no body. */
  ifNoneMatch?: string;
  /** A specific version (file downloads only; default the current one). */
  version?: number;
}

/** A download whose headers are in; the bytes stream through `body`. */
export interface Download {
  /** 200 (whole file), 206 (a range) or 304 (not modified, empty body). */
  status: number;
  /** True when `ifNoneMatch` matched: there are no bytes. */
  notModified: boolean;
  /** Bytes in this answer's body (Content-Length), when sent. */
  size: number | undefined;
  /** The whole file's size: from Content-Range for a range, else `size`. */
  totalSize: number | undefined;
  contentType: string | undefined;
  etag: string | undefined;
  lastModified: string | undefined;
  /** The file's SHA-256 (hex), from Repr-Digest or Content-Digest, when sent. */
  sha256: string | undefined;
  /** The file name from Content-Disposition (`filename*` preferred). */
  fileName: string | undefined;
  /** The served range for a 206, e.g. `{ start: 0, end: 1023 }`. */
  range: { start: number; end: number } | undefined;
  /**
   * The bytes, hashed as they flow: when the answer carried a digest of its body and the bytes
   * do not match it, the stream errors with a {@link CofferIntegrityError} at the end instead of
   * closing. Read it once.
   */
  body: ReadableStream<Uint8Array>;
  /** The body as a Node `Readable` (same bytes, same integrity check). */
  toNodeStream(): Readable;
}

/** Wraps a download answer: metadata from its headers, the body metered and checked. */
export function downloadFromResponse(
  response: Response,
  options: Pick<DownloadOptions, 'onProgress'> & { onComplete?: (result: MeteredResult) => void } = {},
): Download {
  const headers = response.headers;
  const size = numberHeader(headers.get('content-length'));
  const contentRange = parseContentRange(headers.get('content-range'));
  const bodyDigest = sha256FromDigestField(headers.get('content-digest'));
  const fileDigest = sha256FromDigestField(headers.get('repr-digest')) ?? (response.status === 200 ? bodyDigest : undefined);
  // What the body must hash to: Content-Digest is of this message's bytes; Repr-Digest is of the
  // whole file, which is the body only when the whole file was sent (no range, no encoding).
  const expected = bodyDigest ?? (response.status === 200 && !headers.get('content-encoding') ? fileDigest : undefined);
  const source = response.body ?? new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
  const body =
    response.status === 304
      ? source
      : meteredStream(source, {
          total: size,
          onProgress: options.onProgress,
          onEnd: (result) => {
            if (expected !== undefined && result.sha256 !== expected) {
              return new CofferIntegrityError(`Downloaded bytes hash to ${result.sha256}, but the server's digest is ${expected}.`, {
                expectedSha256: expected,
                actualSha256: result.sha256,
              });
            }
            options.onComplete?.(result);
            return undefined;
          },
        });
  return {
    status: response.status,
    notModified: response.status === 304,
    size,
    totalSize: contentRange?.total ?? (response.status === 200 ? size : undefined),
    contentType: headers.get('content-type') ?? undefined,
    etag: headers.get('etag') ?? undefined,
    lastModified: headers.get('last-modified') ?? undefined,
    sha256: fileDigest,
    fileName: fileNameFromContentDisposition(headers.get('content-disposition')),
    range: contentRange?.range,
    body,
    toNodeStream: () => Readable.fromWeb(body),
  };
}

/** The `Range` header value for a range. */
export function rangeHeader(range: { start: number; end?: number }): string {
  if (!Number.isSafeInteger(range.start) || range.start < 0) throw new RangeError('range.start must be a non-negative integer.');
  if (range.end !== undefined && (!Number.isSafeInteger(range.end) || range.end < range.start)) throw new RangeError('range.end must be an integer at or after range.start.');
  return `bytes=${range.start}-${range.end ?? ''}`;
}

/** The file name in a Content-Disposition header: `filename*` (RFC 8187) first, then `filename`. */
export function fileNameFromContentDisposition(header: string | null): string | undefined {
  if (!header) return undefined;
  const extended = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header);
  if (extended?.[2] !== undefined) {
    try {
      return decodeURIComponent(extended[2].trim());
    } catch {
      // Malformed percent-encoding: fall back to the plain filename.
    }
  }
  const quoted = /filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(header);
  if (quoted?.[1] !== undefined) return quoted[1].replace(/\\(.)/g, '$1');
  const bare = /filename\s*=\s*([^;\s]+)/i.exec(header);
  return bare?.[1];
}

function parseContentRange(header: string | null): { range: { start: number; end: number }; total: number | undefined } | undefined {
  const match = header ? /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(header.trim()) : null;
  if (!match) return undefined;
  return { range: { start: Number(match[1]), end: Number(match[2]) }, total: match[3] === '*' ? undefined : Number(match[3]) };
}

function numberHeader(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
}
