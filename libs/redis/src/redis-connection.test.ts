import { AppError } from '@coffer/platform';
import { describe, expect, it } from 'vitest';
import { toAppError } from './redis-connection.js';

function replyError(message: string): Error {
  const error = new Error(message);
  error.name = 'ReplyError';
  return error;
}

describe('toAppError (Redis errors)', () => {
  it('maps connection trouble to unavailable with a retry hint, keeping the cause', () => {
    for (const cause of [
      new Error('connect ECONNREFUSED 127.0.0.1:6379'),
      new Error('Command timed out'),
      new Error('Connection is closed.'),
      Object.assign(new Error('Reached the max retries per request limit (which is 1).'), { name: 'MaxRetriesPerRequestError' }),
    ]) {
      const mapped = toAppError(cause, 'The session store is unavailable.');
      expect(mapped.code).toBe('unavailable');
      expect(mapped.retryAfterSeconds).toBe(1);
      expect(mapped.detail).toBe('The session store is unavailable.');
      expect(mapped.cause).toBe(cause);
    }
  });

  it('treats transient server replies as unavailable and other replies as internal', () => {
    expect(toAppError(replyError('LOADING Redis is loading the dataset in memory'), 'x').code).toBe('unavailable');
    expect(toAppError(replyError('READONLY You can\'t write against a read only replica.'), 'x').code).toBe('unavailable');
    expect(toAppError(replyError('OOM command not allowed when used memory > maxmemory'), 'x').code).toBe('unavailable');
    const internal = toAppError(replyError('WRONGTYPE Operation against a key holding the wrong kind of value'), 'x');
    expect(internal.code).toBe('internal');
    expect(internal.detail).not.toContain('WRONGTYPE');
  });

  it('passes AppErrors through unchanged', () => {
    const original = new AppError('conflict', { detail: 'taken' });
    expect(toAppError(original, 'x')).toBe(original);
  });
});
