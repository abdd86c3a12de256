import { Metadata, status as GrpcStatus, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { AppError, isAppError, type ErrorCode } from './app-error.js';

interface ErrorMapping {
  httpStatus: number;
  grpcStatus: GrpcStatus;
  title: string;
}

/** The single table that maps error codes to HTTP and gRPC. */
export const errorCatalog: Readonly<Record<ErrorCode, ErrorMapping>> = Object.freeze({
  invalid_argument: { httpStatus: 400, grpcStatus: GrpcStatus.INVALID_ARGUMENT, title: 'Invalid request' },
  unauthenticated: { httpStatus: 401, grpcStatus: GrpcStatus.UNAUTHENTICATED, title: 'Authentication required' },
  permission_denied: { httpStatus: 403, grpcStatus: GrpcStatus.PERMISSION_DENIED, title: 'Forbidden' },
  not_found: { httpStatus: 404, grpcStatus: GrpcStatus.NOT_FOUND, title: 'Not found' },
  method_not_allowed: { httpStatus: 405, grpcStatus: GrpcStatus.UNIMPLEMENTED, title: 'Method not allowed' },
  conflict: { httpStatus: 409, grpcStatus: GrpcStatus.ALREADY_EXISTS, title: 'Conflict' },
  /** The same Idempotency-Key while its first request still runs (draft-ietf-httpapi-idempotency-key-header). */
  idempotency_key_in_use: { httpStatus: 409, grpcStatus: GrpcStatus.ABORTED, title: 'Idempotency key in use' },
  /** The same Idempotency-Key with a different request. */
  idempotency_key_reused: { httpStatus: 422, grpcStatus: GrpcStatus.INVALID_ARGUMENT, title: 'Idempotency key reused' },
  precondition_failed: { httpStatus: 412, grpcStatus: GrpcStatus.FAILED_PRECONDITION, title: 'Precondition failed' },
  payload_too_large: { httpStatus: 413, grpcStatus: GrpcStatus.RESOURCE_EXHAUSTED, title: 'Payload too large' },
  quota_exceeded: { httpStatus: 413, grpcStatus: GrpcStatus.RESOURCE_EXHAUSTED, title: 'Quota exceeded' },
  /** A count cap on a resource was reached (e.g. live share links per file); removing some frees room. */
  limit_exceeded: { httpStatus: 409, grpcStatus: GrpcStatus.RESOURCE_EXHAUSTED, title: 'Limit exceeded' },
  /** The client did not send its headers, or its whole request, in time (the gateway's edge timeouts). */
  request_timeout: { httpStatus: 408, grpcStatus: GrpcStatus.DEADLINE_EXCEEDED, title: 'Request timeout' },
  /** Request headers too large in bytes or too many of them (RFC 6585). */
  headers_too_large: { httpStatus: 431, grpcStatus: GrpcStatus.INVALID_ARGUMENT, title: 'Request header fields too large' },
  unsupported_media_type: { httpStatus: 415, grpcStatus: GrpcStatus.INVALID_ARGUMENT, title: 'Unsupported media type' },
  range_not_satisfiable: { httpStatus: 416, grpcStatus: GrpcStatus.OUT_OF_RANGE, title: 'Range not satisfiable' },
  rate_limited: { httpStatus: 429, grpcStatus: GrpcStatus.RESOURCE_EXHAUSTED, title: 'Too many requests' },
  integrity_error: { httpStatus: 500, grpcStatus: GrpcStatus.DATA_LOSS, title: 'Integrity check failed' },
  not_implemented: { httpStatus: 501, grpcStatus: GrpcStatus.UNIMPLEMENTED, title: 'Not implemented' },
  unavailable: { httpStatus: 503, grpcStatus: GrpcStatus.UNAVAILABLE, title: 'Service unavailable' },
  /**
   * A dependency did not answer in time (a frozen service, a statement timeout). At the edge it
   * is a 503 with Retry-After like `unavailable`, so clients treat it as the outage it is and
   * retry; the code still says it timed out. (It was a 504 until the fault-injection runs.)
   */
  deadline_exceeded: { httpStatus: 503, grpcStatus: GrpcStatus.DEADLINE_EXCEEDED, title: 'Timed out' },
  internal: { httpStatus: 500, grpcStatus: GrpcStatus.INTERNAL, title: 'Internal error' },
});

const ERROR_CODE_KEY = 'coffer-error-code';
const RETRY_AFTER_KEY = 'coffer-retry-after';

/** Anything thrown becomes an AppError; unknown errors become `internal` (details kept as cause). */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  if (isServiceError(error)) return fromGrpcError(error);
  return new AppError('internal', { detail: 'An internal error occurred.', cause: error });
}

/** gRPC status for an error, with the stable code in trailing metadata. */
export function toGrpcStatus(error: unknown): Partial<StatusObject> & { code: GrpcStatus } {
  const appError = toAppError(error);
  const mapping = errorCatalog[appError.code];
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_KEY, appError.code);
  if (appError.retryAfterSeconds !== undefined) metadata.set(RETRY_AFTER_KEY, String(appError.retryAfterSeconds));
  return { code: mapping.grpcStatus, details: appError.detail ?? mapping.title, metadata };
}

const grpcToCode: Partial<Record<GrpcStatus, ErrorCode>> = {
  [GrpcStatus.INVALID_ARGUMENT]: 'invalid_argument',
  [GrpcStatus.UNAUTHENTICATED]: 'unauthenticated',
  [GrpcStatus.PERMISSION_DENIED]: 'permission_denied',
  [GrpcStatus.NOT_FOUND]: 'not_found',
  [GrpcStatus.ALREADY_EXISTS]: 'conflict',
  [GrpcStatus.ABORTED]: 'conflict',
  [GrpcStatus.FAILED_PRECONDITION]: 'precondition_failed',
  [GrpcStatus.OUT_OF_RANGE]: 'range_not_satisfiable',
  [GrpcStatus.RESOURCE_EXHAUSTED]: 'rate_limited',
  [GrpcStatus.DATA_LOSS]: 'integrity_error',
  [GrpcStatus.UNIMPLEMENTED]: 'not_implemented',
  [GrpcStatus.UNAVAILABLE]: 'unavailable',
  [GrpcStatus.DEADLINE_EXCEEDED]: 'deadline_exceeded',
  [GrpcStatus.CANCELLED]: 'unavailable',
};

/**
 * Turns an error received from a gRPC call into an AppError. The stable code travels in
 * metadata; without it (a non-Coffer peer, or a transport failure) the status code decides.
 * Details of internal errors are not passed on.
 */
export function fromGrpcError(error: ServiceError): AppError {
  const declared = error.metadata?.get(ERROR_CODE_KEY)[0]?.toString();
  const code: ErrorCode = isErrorCode(declared) ? declared : (grpcToCode[error.code] ?? 'internal');
  const retryAfter = Number(error.metadata?.get(RETRY_AFTER_KEY)[0]?.toString());
  const passDetail = declared !== undefined && code !== 'internal';
  return new AppError(code, {
    detail: passDetail ? error.details : errorCatalog[code].title,
    retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : errorCatalog[code].httpStatus === 503 ? 1 : undefined,
    cause: error,
  });
}

/** RFC 9457 problem details, extended with `code` and `requestId`. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: ErrorCode;
  requestId?: string;
}

export function toProblem(error: unknown, requestId?: string, instance?: string): ProblemDocument {
  const appError = toAppError(error);
  const mapping = errorCatalog[appError.code];
  const problem: ProblemDocument = {
    type: `https://coffer.dev/problems/${appError.code.replaceAll('_', '-')}`,
    title: mapping.title,
    status: mapping.httpStatus,
    code: appError.code,
  };
  if (appError.detail !== undefined) problem.detail = appError.detail;
  if (instance !== undefined) problem.instance = instance;
  if (requestId !== undefined) problem.requestId = requestId;
  return problem;
}

function isErrorCode(value: string | undefined): value is ErrorCode {
  return value !== undefined && Object.hasOwn(errorCatalog, value);
}

function isServiceError(error: unknown): error is ServiceError {
  return (
    error instanceof Error &&
    typeof (error as Partial<ServiceError>).code === 'number' &&
    (error as Partial<ServiceError>).metadata instanceof Metadata
  );
}
