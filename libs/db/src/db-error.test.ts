import { messages } from '@electric-sql/pglite';
import { AppError, errors, toProblem } from '@coffer/platform';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { CONNECTION_RETRY_AFTER_SECONDS, CONTENTION_RETRY_AFTER_SECONDS, DbError, isUniqueViolation, translateDbError } from './db-error.js';

interface ServerErrorFields {
  code: string;
  constraint?: string;
  table?: string;
  detail?: string;
}

/** The error classes both drivers throw for an ErrorResponse from the server, filled as their parsers do. */
const serverErrorFactories = {
  pg: (message: string, fields: ServerErrorFields) =>
    Object.assign(new pg.DatabaseError(message, message.length, 'error'), { severity: 'ERROR', ...fields }),
  pglite: (message: string, fields: ServerErrorFields) =>
    Object.assign(new messages.DatabaseError(message, message.length, 'error'), { severity: 'ERROR', ...fields }),
};

describe.each(Object.entries(serverErrorFactories))('translateDbError (%s errors)', (_driver, serverError) => {
  it('turns a unique violation into conflict, with the constraint for the caller and no values for the client', () => {
    // knex prefixes the statement to the message; the server puts the value into detail.
    const raw = serverError(
      'insert into "users" ("email") values ($1) - duplicate key value violates unique constraint "users_email_lower_key"',
      { code: '23505', constraint: 'users_email_lower_key', table: 'users', detail: 'Key (lower(email))=(ann@example.com) already exists.' },
    );
    const error = translateDbError(raw);

    expect(error).toBeInstanceOf(DbError);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'conflict', sqlState: '23505', constraint: 'users_email_lower_key', table: 'users', retryable: false });
    expect(error.cause).toBe(raw);
    const problem = JSON.stringify(toProblem(error));
    expect(problem).not.toMatch(/ann@example\.com|insert into|users_email_lower_key|duplicate key/);
    expect(error.message).toBe(error.detail);
  });

  it.each([
    ['23503', 'precondition_failed'],
    ['23502', 'invalid_argument'],
    ['23514', 'invalid_argument'],
    ['22P02', 'invalid_argument'],
    ['22001', 'invalid_argument'],
    ['23P01', 'conflict'],
    ['57014', 'deadline_exceeded'],
    ['42P01', 'internal'],
    ['42601', 'internal'],
    ['25P02', 'internal'],
  ])('maps SQLSTATE %s to %s', (code, expected) => {
    const error = translateDbError(serverError('boom', { code }));
    expect(error).toMatchObject({ code: expected, retryAfterSeconds: undefined });
    expect(error.detail).not.toContain('boom');
  });

  it.each(['40001', '40P01'])('marks %s (serialization failure, deadlock) retryable and unavailable for a second', (code) => {
    expect(translateDbError(serverError('could not serialize access', { code }))).toMatchObject({
      code: 'unavailable',
      retryable: true,
      retryAfterSeconds: CONTENTION_RETRY_AFTER_SECONDS,
    });
  });

  it('reports lock_not_available (NOWAIT, lock_timeout) as unavailable, not retried automatically', () => {
    expect(translateDbError(serverError('could not obtain lock', { code: '55P03' }))).toMatchObject({
      code: 'unavailable',
      retryable: false,
      retryAfterSeconds: CONTENTION_RETRY_AFTER_SECONDS,
    });
  });

  it.each(['08006', '08001', '57P01', '57P03', '53300', '28P01', '3D000'])('maps %s to unavailable with a retry delay', (code) => {
    expect(translateDbError(serverError('gone', { code }))).toMatchObject({
      code: 'unavailable',
      retryable: false,
      retryAfterSeconds: CONNECTION_RETRY_AFTER_SECONDS,
    });
  });
});

describe('translateDbError (connection and pool failures)', () => {
  const unavailable = { code: 'unavailable', retryAfterSeconds: CONNECTION_RETRY_AFTER_SECONDS, sqlState: undefined };

  it('maps refused, reset and unresolvable connections', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']) {
      const socketError = Object.assign(new Error(`connect ${code} 127.0.0.1:55432`), { code, errno: -111, syscall: 'connect' });
      expect(translateDbError(socketError)).toMatchObject(unavailable);
    }
  });

  it('maps a dual-stack connect failure (AggregateError of socket errors)', () => {
    const refused = (address: string) => Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: 'ECONNREFUSED' });
    expect(translateDbError(new AggregateError([refused('::1:5432'), refused('127.0.0.1:5432')], ''))).toMatchObject(unavailable);
    expect(translateDbError(new AggregateError([refused('::1:5432'), new TypeError('bug')], ''))).toMatchObject({ code: 'internal' });
  });

  it('maps pg, knex pool and PGlite messages, also when knex prefixed the SQL', () => {
    const messagesMeaningUnavailable = [
      'Connection terminated unexpectedly',
      'select 1 - Connection terminated due to connection timeout',
      'Knex: Timeout acquiring a connection. The pool is probably full. Are you missing a .transacting(trx) call?',
      'Unable to acquire a connection',
      'select 1 - PGlite is closed',
    ];
    for (const message of messagesMeaningUnavailable) expect(translateDbError(new Error(message))).toMatchObject(unavailable);
  });

  it("maps knex's own query timeout to deadline_exceeded", () => {
    const timeout = Object.assign(new Error('Defined query timeout of 10ms exceeded when running query.'), { name: 'KnexTimeoutError' });
    expect(translateDbError(timeout)).toMatchObject({ code: 'deadline_exceeded' });
  });
});

describe('translateDbError (everything else)', () => {
  it('returns AppErrors unchanged, so domain errors pass through transactions', () => {
    const domain = errors.notFound('No such user.');
    expect(translateDbError(domain)).toBe(domain);
    const already = translateDbError(Object.assign(new Error('x'), { code: '23505', severity: 'ERROR' }));
    expect(translateDbError(already)).toBe(already);
  });

  it('makes other errors internal, keeping them as the cause', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
    const error = translateDbError(bug);
    expect(error).toMatchObject({ code: 'internal', detail: 'An internal error occurred.' });
    expect(error.cause).toBe(bug);
    expect(translateDbError('text')).toMatchObject({ code: 'internal' });
    // A socket-like code without severity is not taken for a SQLSTATE.
    expect(translateDbError(Object.assign(new Error('weird'), { code: 'XX000' }))).toMatchObject({ code: 'internal', sqlState: undefined });
  });
});

describe('isUniqueViolation', () => {
  const duplicate = Object.assign(new Error('duplicate'), { code: '23505', severity: 'ERROR', constraint: 'users_email_lower_key' });

  it('recognises raw and translated unique violations, optionally by constraint', () => {
    expect(isUniqueViolation(duplicate)).toBe(true);
    expect(isUniqueViolation(translateDbError(duplicate), 'users_email_lower_key')).toBe(true);
    expect(isUniqueViolation(duplicate, 'users_pkey')).toBe(false);
  });

  it('is false for other errors', () => {
    expect(isUniqueViolation(Object.assign(new Error('fk'), { code: '23503', severity: 'ERROR' }))).toBe(false);
    expect(isUniqueViolation(errors.conflict('Email already registered.'))).toBe(false);
    expect(isUniqueViolation(new Error('x'))).toBe(false);
  });
});
