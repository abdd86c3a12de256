import { AppError, isAppError, type ErrorCode } from '@coffer/platform';

/** Seconds a client is told to wait after a failed connection to the database. */
export const CONNECTION_RETRY_AFTER_SECONDS = 5;
/** Seconds a client is told to wait after losing a serialization race or a deadlock. */
export const CONTENTION_RETRY_AFTER_SECONDS = 1;

/** What {@link DbError} carries besides the AppError fields. */
export interface DbErrorOptions {
  readonly detail: string;
  readonly retryAfterSeconds?: number;
  readonly cause: unknown;
  readonly sqlState?: string;
  readonly constraint?: string;
  readonly table?: string;
  readonly retryable?: boolean;
}

/**
 * An {@link AppError} that came from the database. `code`, `detail` and `retryAfterSeconds`
 * are what clients may see (fixed sentences: never SQL, never values); the other fields are
 * for the calling code, e.g. to turn a unique violation of `users_email_lower_key` into
 * "this email is already registered".
 */
export class DbError extends AppError {
  /** PostgreSQL SQLSTATE (`23505`, `40001`, …) when the server reported one. */
  readonly sqlState: string | undefined;
  /** The violated constraint or unique index, for integrity errors. */
  readonly constraint: string | undefined;
  /** The table of the violated constraint, when the server reported it. */
  readonly table: string | undefined;
  /**
   * The transaction lost a race (serialization failure or deadlock) and running it again as a
   * whole is expected to succeed; {@link withTransaction} does that.
   */
  readonly retryable: boolean;

  constructor(code: ErrorCode, options: DbErrorOptions) {
    super(code, { detail: options.detail, retryAfterSeconds: options.retryAfterSeconds, cause: options.cause });
    this.name = 'DbError';
    this.sqlState = options.sqlState;
    this.constraint = options.constraint;
    this.table = options.table;
    this.retryable = options.retryable ?? false;
  }
}

/** The fields pg's and PGlite's `DatabaseError` share (both parse the same protocol message). */
interface PostgresErrorFields {
  readonly code: string;
  readonly severity: string;
  readonly constraint?: string;
  readonly table?: string;
}

/** SQLSTATEs after which the whole transaction should simply run again. */
const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set(['40001', '40P01']);

/** Node socket errors meaning "could not reach or lost the server". */
const CONNECTION_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
]);

/**
 * Messages of driver and pool errors that carry no code but mean the same. Not anchored:
 * knex prefixes the message of an error raised by a statement with that statement's SQL.
 */
const CONNECTION_ERROR_MESSAGES: readonly RegExp[] = [
  /\bConnection terminated\b/, // pg: unexpected close, or connectionTimeoutMillis passed
  /\bKnex: Timeout acquiring a connection\b/, // pool exhausted or server unreachable
  /\bUnable to acquire a connection\b/, // knex after destroy()
  /\bPGlite is closed\b/, // embedded database closed
  /\bClient has encountered a connection error and is not queryable\b/, // pg
];

const DETAIL = Object.freeze({
  unique: 'The request conflicts with an existing record.',
  exclusion: 'The request conflicts with an existing record.',
  foreignKey: 'The request refers to a record that does not exist, or removes one that others still refer to.',
  notNull: 'A required value is missing.',
  check: 'A value is not allowed.',
  dataException: 'A value is not valid for its field.',
  contention: 'The request conflicted with a concurrent change. Retry it.',
  lockNotAvailable: 'The record is busy. Retry shortly.',
  timeout: 'The database did not answer in time.',
  unavailable: 'The database is not available. Retry shortly.',
  internal: 'An internal error occurred.',
});

/**
 * The one place where errors from the database (pg, PGlite, knex's pool, sockets) become
 * {@link AppError}s:
 *
 * | cause                                               | code                                  |
 * |-----------------------------------------------------|---------------------------------------|
 * | 23505 unique_violation, 23P01 exclusion_violation   | conflict (+ `constraint`)             |
 * | 23503 foreign_key_violation                         | precondition_failed (+ `constraint`)  |
 * | 23502 not_null, 23514 check, class 22 data exception| invalid_argument                      |
 * | 40001 serialization_failure, 40P01 deadlock         | unavailable, retry after 1 s, `retryable` |
 * | 55P03 lock_not_available (NOWAIT, lock_timeout)     | unavailable, retry after 1 s          |
 * | 57014 query_canceled (statement_timeout)            | deadline_exceeded                     |
 * | class 08, 53, 28, 57P01-03, 3D000; refused/reset sockets; pool timeouts; closed PGlite | unavailable, retry after 5 s |
 * | anything else (syntax, undefined table, bugs)       | internal                              |
 *
 * An AppError (including a DbError) is returned unchanged, so domain errors thrown inside a
 * transaction pass through. Details are fixed sentences: the server's message, which can hold
 * SQL and values (`Key (email)=(…) already exists`), stays in `cause`, for logs only.
 */
export function translateDbError(error: unknown): AppError {
  if (isAppError(error)) return error;
  if (isPostgresError(error)) return fromPostgresError(error);
  if (isConnectionFailure(error)) {
    return new DbError('unavailable', {
      detail: DETAIL.unavailable,
      retryAfterSeconds: CONNECTION_RETRY_AFTER_SECONDS,
      cause: error,
    });
  }
  if (error instanceof Error && error.name === 'KnexTimeoutError') {
    // knex's own query timeout (`.timeout(ms)`); acquisition timeouts matched above.
    return new DbError('deadline_exceeded', { detail: DETAIL.timeout, cause: error });
  }
  return new DbError('internal', { detail: DETAIL.internal, cause: error });
}

/**
 * Whether `error` is (or translates to) a unique violation, optionally of one named
 * constraint or unique index: `isUniqueViolation(error, 'users_email_lower_key')`.
 */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const translated = translateDbError(error);
  return (
    translated instanceof DbError &&
    translated.sqlState === '23505' &&
    (constraint === undefined || translated.constraint === constraint)
  );
}

function fromPostgresError(error: PostgresErrorFields): DbError {
  const sqlState = error.code;
  const known = { cause: error, sqlState, constraint: nonEmpty(error.constraint), table: nonEmpty(error.table) };
  switch (sqlState) {
    case '23505':
      return new DbError('conflict', { ...known, detail: DETAIL.unique });
    case '23P01':
      return new DbError('conflict', { ...known, detail: DETAIL.exclusion });
    case '23503':
      return new DbError('precondition_failed', { ...known, detail: DETAIL.foreignKey });
    case '23502':
      return new DbError('invalid_argument', { ...known, detail: DETAIL.notNull });
    case '23514':
      return new DbError('invalid_argument', { ...known, detail: DETAIL.check });
    case '55P03':
      return new DbError('unavailable', { ...known, detail: DETAIL.lockNotAvailable, retryAfterSeconds: CONTENTION_RETRY_AFTER_SECONDS });
    case '57014':
      return new DbError('deadline_exceeded', { ...known, detail: DETAIL.timeout });
    default:
      break;
  }
  if (RETRYABLE_SQLSTATES.has(sqlState)) {
    return new DbError('unavailable', {
      ...known,
      detail: DETAIL.contention,
      retryAfterSeconds: CONTENTION_RETRY_AFTER_SECONDS,
      retryable: true,
    });
  }
  if (sqlState.startsWith('22')) return new DbError('invalid_argument', { ...known, detail: DETAIL.dataException });
  if (isUnavailableSqlState(sqlState)) {
    return new DbError('unavailable', { ...known, detail: DETAIL.unavailable, retryAfterSeconds: CONNECTION_RETRY_AFTER_SECONDS });
  }
  return new DbError('internal', { ...known, detail: DETAIL.internal });
}

/**
 * Connection exceptions (08), insufficient resources (53, e.g. too_many_connections), failed
 * authentication (28: the service is misconfigured, which for a client is an outage), the
 * server shutting down or starting (57P01-57P03) and a missing database (3D000).
 */
function isUnavailableSqlState(sqlState: string): boolean {
  return (
    sqlState.startsWith('08') ||
    sqlState.startsWith('53') ||
    sqlState.startsWith('28') ||
    sqlState === '57P01' ||
    sqlState === '57P02' ||
    sqlState === '57P03' ||
    sqlState === '3D000'
  );
}

function isPostgresError(error: unknown): error is PostgresErrorFields {
  if (typeof error !== 'object' || error === null) return false;
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  // Node's socket errors also have a `code` (some are 5 characters, like EPIPE) but no severity.
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string';
}

function isConnectionFailure(error: unknown): boolean {
  if (error instanceof AggregateError && error.errors.length > 0) {
    // A dual-stack connect (::1 and 127.0.0.1) fails with one error per address.
    return error.errors.every((inner) => isConnectionFailure(inner));
  }
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
  return CONNECTION_ERROR_MESSAGES.some((pattern) => pattern.test(error.message));
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
