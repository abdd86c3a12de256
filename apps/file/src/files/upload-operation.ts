import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { fileV1 } from '@coffer/contracts';
import { CONTENT_HEAD_EVENT, ContentDigester, type HmacKeyRing } from '@coffer/integrity';
import type { ObjectStore } from '@coffer/object-storage';
import { AppError, toAppError, type Logger } from '@coffer/platform';
import type { FileRecords } from '../collaborators/file-records.js';
import { sniffContentType } from '../content/content-sniffing.js';
import { normaliseDeclaredContentType, type ContentTypeRules } from '../content/content-type-rules.js';
import { validateFileName, validateFolderPath } from '../content/file-names.js';
import type { FileMetrics, UploadOutcome } from '../file-metrics.js';
import type { FileAccess } from './file-access.js';

/** Per-owner and per-file limits (0 = unlimited for the quotas). */
export interface UploadLimits {
  readonly maxFileSizeBytes: number;
  readonly quotaMaxBytes: number;
  readonly quotaMaxFiles: number;
}

export interface UploadOperationDeps {
  records: FileRecords;
  access: FileAccess;
  store: ObjectStore;
  ring: HmacKeyRing;
  contentTypes: ContentTypeRules;
  limits: UploadLimits;
  metrics: FileMetrics;
  logger: Logger;
}

/** Where new objects go: names never enter keys, so a key says nothing about its file. */
export const OBJECT_KEY_PREFIX = 'objects/';
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * UploadFile: checks everything that can be checked before the first byte (name, folder,
 * authorization for a new version, size limit, quota), then streams the body through a
 * ContentDigester into the object store under a fresh random key, and records the version with
 * the metadata service. Whatever fails — a refused type, a digest or size mismatch, the client
 * going away, the record being refused — the object is deleted: no object without a record,
 * no record without its object (short of a crash, which the reconciler tidies up).
 */
export class UploadOperation {
  constructor(private readonly deps: UploadOperationDeps) {}

  async upload(header: fileV1.UploadHeader, body: Readable): Promise<fileV1.UploadFileResponse> {
    try {
      const response = await this.run(header, body);
      this.deps.metrics.upload(response.created ? 'created' : 'versioned');
      return response;
    } catch (error) {
      body.destroy();
      this.deps.metrics.upload(outcomeOf(error));
      throw error;
    }
  }

  private async run(header: fileV1.UploadHeader, body: Readable): Promise<fileV1.UploadFileResponse> {
    const { records, access, limits } = this.deps;
    if (header.actorId === '') throw new AppError('invalid_argument', { detail: 'actor_id is required.' });
    const expectedSha256 = header.expectedSha256.toLowerCase();
    if (expectedSha256 !== '' && !SHA256_HEX.test(expectedSha256)) {
      throw new AppError('invalid_argument', { detail: 'expected_sha256 must be 64 hex digits.' });
    }
    if (!Number.isSafeInteger(header.expectedSizeBytes) || header.expectedSizeBytes < 0) {
      throw new AppError('invalid_argument', { detail: 'expected_size_bytes must be a whole number ≥ 0.' });
    }

    let ownerId: string;
    let name: string;
    let folder: string;
    // Uploads by name go to the actor's own namespace: the actor is the owner by construction.
    let authorizedBy = 'owner';
    if (header.fileId !== '') {
      const { file, reason } = await access.authorize(header.actorId, header.fileId, 'file:write', { traceparent: header.traceparent });
      ({ ownerId, name, folder } = file);
      authorizedBy = reason;
    } else {
      ownerId = header.actorId;
      name = validateFileName(header.name);
      folder = validateFolderPath(header.folder);
    }

    const expectedSize = header.expectedSizeBytes > 0 ? header.expectedSizeBytes : undefined;
    if (expectedSize !== undefined && expectedSize > limits.maxFileSizeBytes) throw tooLarge(limits.maxFileSizeBytes);
    const remainingBytes = await this.remainingQuota(ownerId, header);
    if (expectedSize !== undefined && expectedSize > remainingBytes) throw quotaExceeded();

    const declared = normaliseDeclaredContentType(header.declaredContentType === '' ? undefined : header.declaredContentType);
    const key = `${OBJECT_KEY_PREFIX}${randomUUID()}`;
    const digester = new ContentDigester({
      ring: this.deps.ring,
      maxBytes: limits.maxFileSizeBytes,
      onBytes: (total) => {
        if (total > remainingBytes) throw quotaExceeded();
      },
    });
    let sniffed: string | undefined;
    let refusal: unknown;
    // Synchronous, so the check runs before the rest of the head's chunk reaches the store.
    digester.once(CONTENT_HEAD_EVENT, (head: Buffer) => {
      try {
        sniffed = sniffContentType(head);
        this.deps.contentTypes.check({ declared, sniffed });
      } catch (error) {
        refusal = error;
        process.nextTick(() => digester.destroy(toAppError(error)));
      }
    });

    let stored = false;
    try {
      const piping = pipeline(body, digester);
      const putting = this.deps.store.put(key, digester, { contentType: declared, ...(expectedSize === undefined ? {} : { expectedSize }) });
      const [piped, put] = await Promise.allSettled([piping, putting]);
      if (put.status === 'fulfilled') stored = true;
      if (refusal !== undefined) throw toAppError(refusal);
      if (put.status === 'rejected') throw put.reason;
      if (piped.status === 'rejected') throw piped.reason;

      const digest = digester.result();
      if (expectedSize !== undefined && digest.size !== expectedSize) {
        throw new AppError('invalid_argument', { detail: 'The body is not as long as its declared size.' });
      }
      if (expectedSha256 !== '' && expectedSha256 !== digest.sha256Hex) {
        throw new AppError('invalid_argument', { detail: 'Content-Digest does not match the body' });
      }
      const created = await records.createFile({
        file: {
          id: '',
          ownerId,
          name,
          folder,
          sizeBytes: digest.size,
          declaredContentType: declared,
          sniffedContentType: sniffed ?? sniffContentType(digest.head),
          sha256: digest.sha256Hex,
          hmacSha256: digest.hmacHex,
          hmacKeyId: digest.hmacKeyId,
          storageKey: key,
          version: 0,
          createdAt: undefined,
          updatedAt: undefined,
          deletedAt: undefined,
          quarantinedAt: undefined,
          versionCount: 0,
        },
        actorId: header.actorId,
        fileId: header.fileId,
        ifAbsent: header.ifAbsent,
        quota: { maxBytes: limits.quotaMaxBytes, maxFiles: limits.quotaMaxFiles },
        traceparent: header.traceparent,
        authorizedBy,
      });
      this.deps.metrics.uploadedBytes.inc(digest.size);
      return { file: created.file, created: created.created };
    } catch (error) {
      body.destroy();
      digester.destroy();
      // Deleted whether or not the put reported success: deleting a missing key succeeds, and a
      // put that failed late must not leave bytes behind either.
      await this.deps.store.delete(key).catch((deleteError: unknown) => {
        if (stored) this.deps.logger.warn({ err: deleteError, storage_key: key }, 'could not delete the object of a failed upload; the reconciler will');
      });
      throw error;
    }
  }

  /** Bytes the owner may still store; Infinity without a byte quota. */
  private async remainingQuota(ownerId: string, header: fileV1.UploadHeader): Promise<number> {
    const { quotaMaxBytes, quotaMaxFiles } = this.deps.limits;
    if (quotaMaxBytes === 0 && quotaMaxFiles === 0) return Number.POSITIVE_INFINITY;
    const usage = await this.deps.records.getUsage(ownerId);
    // Only a create-only upload is surely a new file; otherwise metadata decides with the quota.
    if (quotaMaxFiles > 0 && header.fileId === '' && header.ifAbsent && usage.fileCount >= quotaMaxFiles) throw quotaExceeded();
    if (quotaMaxBytes === 0) return Number.POSITIVE_INFINITY;
    const remaining = quotaMaxBytes - usage.bytesUsed;
    if (remaining <= 0) throw quotaExceeded();
    return remaining;
  }
}

function tooLarge(limit: number): AppError {
  return new AppError('payload_too_large', { detail: `The file is larger than the limit of ${limit} bytes.` });
}

function quotaExceeded(): AppError {
  return new AppError('quota_exceeded', { detail: 'The upload would exceed your storage quota.' });
}

function outcomeOf(error: unknown): UploadOutcome {
  const appError = toAppError(error);
  switch (appError.code) {
    case 'payload_too_large':
      return 'too_large';
    case 'quota_exceeded':
      return 'quota_exceeded';
    case 'unsupported_media_type':
      return 'unsupported_media_type';
    case 'invalid_argument':
      return appError.detail === 'Content-Digest does not match the body' ? 'digest_mismatch' : 'invalid';
    case 'permission_denied':
    case 'not_found':
      return 'denied';
    case 'conflict':
    case 'idempotency_key_in_use':
    case 'idempotency_key_reused':
      return 'conflict';
    case 'unavailable':
    case 'deadline_exceeded':
      return appError.detail === UPLOAD_CANCELLED_DETAIL ? 'cancelled' : 'failed';
    case 'unauthenticated':
    case 'method_not_allowed':
    case 'precondition_failed':
    case 'range_not_satisfiable':
    case 'rate_limited':
    case 'limit_exceeded':
    case 'request_timeout':
    case 'headers_too_large':
    case 'integrity_error':
    case 'not_implemented':
    case 'internal':
      return 'failed';
  }
}

/** The detail of the error that ends an upload whose client went away. */
export const UPLOAD_CANCELLED_DETAIL = 'The upload was cancelled by the client.';
