import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { fileV1 } from '@coffer/contracts';
import { chooseRangeToServe, evaluatePreconditions, formatEtag, ifRangeAllowsPartial, parseHttpDate, parseRangeHeader } from '@coffer/http-content';
import { ContentDigester, hmacMatches, type HmacKeyRing } from '@coffer/integrity';
import type { ObjectStore } from '@coffer/object-storage';
import { AppError, coalesceChunks, STREAM_MESSAGE_BYTES, type Logger } from '@coffer/platform';
import { fileIdOfResource, type AccessPolicy } from '../collaborators/access-policy.js';
import type { FileRecord, FileRecords } from '../collaborators/file-records.js';
import type { FileEventSink } from '../events/file-event-sink.js';
import type { FileMetrics } from '../file-metrics.js';
import type { FileAccess } from './file-access.js';

/** Largest chunk message of a download; the store's reads are joined up to this size first. */
export const DOWNLOAD_CHUNK_BYTES = STREAM_MESSAGE_BYTES;

export interface DownloadOperationDeps {
  records: FileRecords;
  access: FileAccess;
  policy: AccessPolicy;
  store: ObjectStore;
  ring: HmacKeyRing;
  events: FileEventSink;
  metrics: FileMetrics;
  logger: Logger;
  /** Check SHA-256 and HMAC of every full read before its last chunk is sent. */
  verifyOnRead: boolean;
}

/** A download ready to stream: the header to send first, then the chunks. */
export interface PreparedDownload {
  header: fileV1.DownloadHeader;
  /**
   * The content in chunks of at most {@link DOWNLOAD_CHUNK_BYTES}; empty for header-only
   * answers. On a verified read the last chunk is only yielded once the digests matched; on a
   * mismatch the generator throws `integrity_error` instead (after quarantining the version).
   * Ending it early (return/throw) or calling `abort` releases the object stream.
   */
  chunks: AsyncGenerator<Buffer, void, undefined>;
  /** Destroys the object stream at once (client cancelled). */
  abort(): void;
}

/**
 * DownloadFile: resolves who is asking (a user with file:read, or a share link), loads the
 * version, evaluates the conditional and Range headers (RFC 9110) and streams the bytes.
 * Full reads are verified while streaming (SHA-256 and the content HMAC with the recorded
 * key); ranged reads are not, since a slice cannot be checked against a whole-object digest
 * without reading the whole object (the scrubber covers them).
 */
export class DownloadOperation {
  constructor(private readonly deps: DownloadOperationDeps) {}

  async prepare(request: fileV1.DownloadFileRequest): Promise<PreparedDownload> {
    const { actorId, file, reason } = await this.resolve(request);
    if (file.quarantinedAt !== undefined) {
      throw new AppError('integrity_error', { detail: 'This version of the file failed an integrity check and is not served.' });
    }
    const etag = formatEtag(file.sha256);
    const lastModified = await this.lastModified(request, file);
    const method = request.headerOnly ? 'HEAD' : 'GET';
    const conditional = evaluatePreconditions(
      {
        method,
        ifMatch: request.ifMatch,
        ifNoneMatch: request.ifNoneMatch,
        ifModifiedSince: request.ifModifiedSince,
        ifUnmodifiedSince: request.ifUnmodifiedSince,
      },
      { etag, lastModified, exists: true },
    );
    if (conditional === 'precondition-failed') throw new AppError('precondition_failed', { detail: 'A precondition of the request does not hold.' });

    const size = file.sizeBytes;
    const header = (outcome: fileV1.DownloadOutcome, rangeStart = 0, rangeEnd = 0, contentLength = 0): fileV1.DownloadHeader => ({
      file,
      outcome,
      rangeStart,
      rangeEnd,
      contentLength,
      etag,
    });
    if (conditional === 'not-modified') return headerOnly(header(fileV1.DownloadOutcome.DOWNLOAD_OUTCOME_NOT_MODIFIED));

    const rangeHeader = request.rangeHeader !== '' ? request.rangeHeader : legacyRange(request);
    const wantsRange = rangeHeader !== undefined && ifRangeAllowsPartial(request.ifRange, { etag, lastModified });
    const decision = chooseRangeToServe(parseRangeHeader(wantsRange ? rangeHeader : undefined, size));
    switch (decision.kind) {
      case 'unsatisfiable':
        return headerOnly(header(fileV1.DownloadOutcome.DOWNLOAD_OUTCOME_RANGE_NOT_SATISFIABLE));
      case 'partial': {
        const length = decision.end - decision.start + 1;
        const prepared = header(fileV1.DownloadOutcome.DOWNLOAD_OUTCOME_PARTIAL, decision.start, decision.end, length);
        if (request.headerOnly) return headerOnly(prepared);
        const content = await this.deps.store.get(file.storageKey, { range: { start: decision.start, end: decision.end } });
        return this.stream(prepared, content.body, { file, actorId, reason, partial: true, verify: false, traceparent: request.traceparent });
      }
      case 'full': {
        const prepared = header(fileV1.DownloadOutcome.DOWNLOAD_OUTCOME_FULL, 0, size > 0 ? size - 1 : 0, size);
        if (request.headerOnly) return headerOnly(prepared);
        const content = await this.deps.store.get(file.storageKey);
        return this.stream(prepared, content.body, { file, actorId, reason, partial: false, verify: this.deps.verifyOnRead, traceparent: request.traceparent });
      }
    }
  }

  /** Who asks and for which version: a share link, or a user who may read the file. */
  private async resolve(request: fileV1.DownloadFileRequest): Promise<{ actorId: string; file: FileRecord; reason: string }> {
    if (request.version < 0) throw new AppError('invalid_argument', { detail: 'version must be ≥ 0.' });
    if (request.linkToken !== '') {
      // HEAD is a GET for a link: the token grants reading, whatever the method.
      const link = await this.deps.policy.resolveLink(request.linkToken, 'GET');
      const fileId = fileIdOfResource(link.resource);
      if (fileId === undefined) throw new AppError('not_found', { detail: 'File not found.' });
      const file = await this.deps.records.getFile({ id: fileId, version: link.version, includeDeleted: false });
      return { actorId: `link:${link.id}`, file, reason: `link:${link.id}` };
    }
    const { file, reason } = await this.deps.access.authorize(request.actorId, request.fileId, 'file:read', {
      version: request.version,
      traceparent: request.traceparent,
    });
    return { actorId: request.actorId, file, reason };
  }

  /**
   * Last-Modified is when the version's bytes were committed: the version's created_at. The
   * FileRecord carries the file's created_at, not the version's, so the version list is asked
   * only when a date condition needs it; otherwise the value is never compared.
   */
  private async lastModified(request: fileV1.DownloadFileRequest, file: FileRecord): Promise<Date> {
    const fallback = file.updatedAt ?? file.createdAt ?? new Date(0);
    const needsDate =
      request.ifModifiedSince !== '' || request.ifUnmodifiedSince !== '' || (request.ifRange !== '' && parseHttpDate(request.ifRange) !== undefined);
    if (!needsDate) return fallback;
    const versions = await this.deps.records.listVersions(file.id);
    return versions.find((version) => version.version === file.version)?.createdAt ?? fallback;
  }

  private stream(
    header: fileV1.DownloadHeader,
    body: Readable,
    context: { file: FileRecord; actorId: string; reason: string; partial: boolean; verify: boolean; traceparent: string },
  ): PreparedDownload {
    let source: Readable = body;
    let digester: ContentDigester | undefined;
    if (context.verify) {
      try {
        digester = new ContentDigester({ ring: this.deps.ring, hmacKeyId: context.file.hmacKeyId, headBytes: 0 });
      } catch (error) {
        body.destroy();
        throw error;
      }
      // Errors of the object stream reach the digester, whose iteration then throws.
      pipeline(body, digester, () => undefined);
      source = digester;
    }
    const abort = (): void => {
      body.destroy();
      digester?.destroy();
    };
    return { header, chunks: this.chunks(source, abort, digester, context), abort };
  }

  private async *chunks(
    source: Readable,
    abort: () => void,
    digester: ContentDigester | undefined,
    context: { file: FileRecord; actorId: string; reason: string; partial: boolean; traceparent: string },
  ): AsyncGenerator<Buffer, void, undefined> {
    let sent = 0;
    let held: Buffer | undefined;
    try {
      for await (const data of coalesceChunks(source as AsyncIterable<Buffer>, DOWNLOAD_CHUNK_BYTES)) {
        for (let offset = 0; offset < data.length; offset += DOWNLOAD_CHUNK_BYTES) {
          const slice = data.subarray(offset, offset + DOWNLOAD_CHUNK_BYTES);
          if (digester === undefined) {
            sent += slice.length;
            yield slice;
            continue;
          }
          // Verified read: always one slice behind, so the last one can be withheld.
          if (held !== undefined) {
            sent += held.length;
            yield held;
          }
          held = slice;
        }
      }
      if (digester !== undefined) {
        await this.verify(digester, context);
        if (held !== undefined) {
          sent += held.length;
          yield held;
        }
      }
      this.deps.metrics.downloadedBytes.inc(sent);
      await this.deps.events
        .fileDownloaded(
          {
            fileId: context.file.id,
            ownerId: context.file.ownerId,
            actorId: context.actorId,
            version: context.file.version,
            bytes: sent,
            partial: context.partial,
            authorizedBy: context.reason,
          },
          context.traceparent,
        )
        .catch((error: unknown) => this.deps.logger.error({ err: error }, 'could not record a file.downloaded event'));
    } finally {
      abort();
    }
  }

  private async verify(digester: ContentDigester, context: { file: FileRecord; traceparent: string }): Promise<void> {
    const { file } = context;
    const digest = digester.result();
    const problem =
      digest.size !== file.sizeBytes
        ? 'size mismatch on read'
        : digest.sha256Hex !== file.sha256
          ? 'sha256 mismatch on read'
          : !hmacMatches(this.deps.ring, file.hmacKeyId, digest.hmacHex, file.hmacSha256)
            ? 'hmac mismatch on read'
            : undefined;
    if (problem === undefined) return;
    this.deps.metrics.integrityFailure('read');
    this.deps.logger.error({ file_id: file.id, version: file.version, reason: problem }, 'stored object failed verification on read');
    await this.deps.records
      .quarantineFile({ fileId: file.id, version: file.version, reason: problem, detectedBy: 'read', traceparent: context.traceparent })
      .catch((error: unknown) => this.deps.logger.error({ err: error, file_id: file.id }, 'could not quarantine a corrupt version'));
    throw new AppError('integrity_error', { detail: 'The stored file failed an integrity check.' });
  }
}

function headerOnly(header: fileV1.DownloadHeader): PreparedDownload {
  return { header, chunks: (async function* () {})(), abort: () => undefined };
}

/** The deprecated range_start/range_end fields as a Range header (range_end 0 = to the end). */
function legacyRange(request: fileV1.DownloadFileRequest): string | undefined {
  if (request.rangeStart === 0 && request.rangeEnd === 0) return undefined;
  return `bytes=${request.rangeStart}-${request.rangeEnd > 0 ? String(request.rangeEnd) : ''}`;
}
