import { AppError } from '@coffer/platform';
import { DEFAULT_MAX_SESSIONS_PER_USER, type NewSession, type SessionTimeouts } from './session-store.js';

/**
 * Argument checks shared by both stores, so both reject the same input with the same error
 * before touching any state.
 */

export function requireId(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new AppError('invalid_argument', { detail: `${name} must be a non-empty string.` });
  }
  return value;
}

/** Ten years: far beyond any sensible session, and keeps every deadline a valid Date. */
export const MAX_SESSION_TTL_MS = 315_576_000_000;

function requireTtl(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0 || value > MAX_SESSION_TTL_MS) {
    throw new AppError('invalid_argument', {
      detail: `${name} must be a positive whole number of milliseconds, at most ten years.`,
    });
  }
  return value;
}

/** Throws `invalid_argument` naming the field when the session or its timeouts are malformed. */
export function validateNewSession(session: NewSession, timeouts: SessionTimeouts): void {
  requireId('session.id', session.id);
  requireId('session.userId', session.userId);
  if (session.familyId !== undefined) requireId('session.familyId', session.familyId);
  if (!(session.createdAt instanceof Date) || Number.isNaN(session.createdAt.getTime())) {
    throw new AppError('invalid_argument', { detail: 'session.createdAt must be a valid Date.' });
  }
  if (typeof session.ip !== 'string') throw new AppError('invalid_argument', { detail: 'session.ip must be a string.' });
  if (typeof session.userAgent !== 'string') {
    throw new AppError('invalid_argument', { detail: 'session.userAgent must be a string.' });
  }
  requireTtl('idleTtlMs', timeouts.idleTtlMs);
  requireTtl('absoluteTtlMs', timeouts.absoluteTtlMs);
}

/** The configured per-user bound, or the default; must be a positive whole number. */
export function maxSessionsPerUser(configured: number | undefined): number {
  const value = configured ?? DEFAULT_MAX_SESSIONS_PER_USER;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new AppError('invalid_argument', { detail: 'maxSessionsPerUser must be a positive whole number.' });
  }
  return value;
}

/** The error every method of a closed store rejects with. */
export function closedStoreError(): AppError {
  return new AppError('unavailable', { detail: 'The session store is closed.', retryAfterSeconds: 1 });
}
