/**
 * The one error type of Coffer. Domain code throws AppError with a stable code; the edge maps it
 * to problem+json and the gRPC layer to a status code, both in `error-mapping.ts`.
 */
export type ErrorCode =
  | 'invalid_argument'
  | 'unauthenticated'
  | 'permission_denied'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'idempotency_key_in_use'
  | 'idempotency_key_reused'
  | 'precondition_failed'
  | 'payload_too_large'
  | 'quota_exceeded'
  | 'limit_exceeded'
  | 'request_timeout'
  | 'headers_too_large'
  | 'unsupported_media_type'
  | 'range_not_satisfiable'
  | 'rate_limited'
  | 'integrity_error'
  | 'not_implemented'
  | 'unavailable'
  | 'deadline_exceeded'
  | 'internal';

export interface AppErrorOptions {
  /** Safe, client-facing explanation. Never include secrets or internals. */
  detail?: string;
  /** For rate_limited and unavailable: seconds the client should wait. */
  retryAfterSeconds?: number;
  /** The underlying error, kept for logs only; never sent to clients. */
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    super(options.detail ?? code, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.detail = options.detail;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Factories for the common cases, so call sites read as what happened. */
export const errors = {
  invalidArgument: (detail: string) => new AppError('invalid_argument', { detail }),
  unauthenticated: (detail = 'Authentication is required.') => new AppError('unauthenticated', { detail }),
  permissionDenied: (detail = 'You are not allowed to do this.') => new AppError('permission_denied', { detail }),
  notFound: (detail = 'Not found.') => new AppError('not_found', { detail }),
  conflict: (detail: string) => new AppError('conflict', { detail }),
  unavailable: (detail: string, retryAfterSeconds = 5, cause?: unknown) =>
    new AppError('unavailable', { detail, retryAfterSeconds, cause }),
  internal: (cause?: unknown) => new AppError('internal', { detail: 'An internal error occurred.', cause }),
} as const;

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
