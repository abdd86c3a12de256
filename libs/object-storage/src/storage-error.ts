import { AppError } from '@coffer/platform';
import { S3Error } from 'minio';

/** Seconds a client should wait after the storage could not be reached. */
export const STORAGE_RETRY_AFTER_SECONDS = 5;

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EPIPE',
  'UND_ERR_SOCKET',
]);

const S3_NOT_FOUND = new Set(['NoSuchKey', 'NotFound']);
const S3_BUSY = new Set(['SlowDown', 'ServiceUnavailable', 'InternalError', 'RequestTimeout', 'XMinioServerNotInitialized']);

/**
 * The one place where failures of either backend become `AppError`s. Details are safe for
 * clients: they never carry keys, endpoints or credentials (the cause keeps them for logs).
 */
export function toStorageError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof S3Error) {
    const code = error.code ?? '';
    if (S3_NOT_FOUND.has(code)) return new AppError('not_found', { detail: 'The object does not exist.', cause: error });
    if (code === 'InvalidRange') {
      return new AppError('range_not_satisfiable', { detail: 'The range starts at or after the end of the object.', cause: error });
    }
    if (S3_BUSY.has(code)) return unavailable(error);
    return new AppError('internal', { detail: 'The object store failed.', cause: error });
  }
  const code = systemErrorCode(error);
  if (code !== undefined && UNREACHABLE_CODES.has(code)) return unavailable(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') return new AppError('not_found', { detail: 'The object does not exist.', cause: error });
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new AppError('unavailable', { detail: 'The object store is full.', retryAfterSeconds: 60, cause: error });
  }
  return new AppError('internal', { detail: 'The object store failed.', cause: error });
}

function unavailable(cause: unknown): AppError {
  return new AppError('unavailable', {
    detail: 'The object store is unavailable.',
    retryAfterSeconds: STORAGE_RETRY_AFTER_SECONDS,
    cause,
  });
}

/** `error.code` of a Node system error, looking inside AggregateError (dual-stack connects). */
function systemErrorCode(error: unknown): string | undefined {
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const code = systemErrorCode(inner);
      if (code !== undefined) return code;
    }
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    return error.cause === undefined ? undefined : systemErrorCode(error.cause);
  }
  return undefined;
}
