import { AppError } from '@coffer/platform';
import { S3Error } from 'minio';
import { describe, expect, it } from 'vitest';
import { toStorageError } from './storage-error.js';

function s3Error(code: string): S3Error {
  const error = new S3Error('from server');
  error.code = code;
  return error;
}

function systemError(code: string): Error {
  return Object.assign(new Error(code), { code });
}

describe('toStorageError', () => {
  it.each([
    [s3Error('NoSuchKey'), 'not_found'],
    [s3Error('NotFound'), 'not_found'],
    [s3Error('InvalidRange'), 'range_not_satisfiable'],
    [s3Error('SlowDown'), 'unavailable'],
    [s3Error('ServiceUnavailable'), 'unavailable'],
    [s3Error('AccessDenied'), 'internal'],
    [systemError('ECONNREFUSED'), 'unavailable'],
    [new AggregateError([systemError('ECONNREFUSED'), systemError('ECONNREFUSED')]), 'unavailable'],
    [systemError('ENOENT'), 'not_found'],
    [systemError('ENOSPC'), 'unavailable'],
    [systemError('EACCES'), 'internal'],
    [new Error('anything else'), 'internal'],
    ['not an error', 'internal'],
  ])('maps %s to %s', (error, code) => {
    const mapped = toStorageError(error);
    expect(mapped.code).toBe(code);
    if (code === 'unavailable') expect(mapped.retryAfterSeconds).toBeGreaterThan(0);
    expect(mapped.detail).not.toContain('from server');
  });

  it('keeps an AppError as it is', () => {
    const error = new AppError('conflict', { detail: 'x' });
    expect(toStorageError(error)).toBe(error);
  });
});
