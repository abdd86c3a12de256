import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { restOperations } from '@coffer/contracts';
import { AppError } from '@coffer/platform';
import { requestValidator } from './request-validation.js';

/** Runs the first handler (parameters and headers) of an operation's validator; resolves with what it passed on. */
function checkParameters(operationId: string, headers: Record<string, string>, query: Record<string, string> = {}, params: Record<string, string> = { token: 'a'.repeat(32) }): Promise<unknown> {
  const operation = restOperations.find((candidate) => candidate.operationId === operationId);
  if (!operation) throw new Error(`no operation ${operationId}`);
  const [first] = requestValidator(operation);
  const req = { headers, query, params } as unknown as Request;
  const res = { locals: {} } as unknown as Response;
  return new Promise((resolve) => {
    void first?.(req, res, (error?: unknown) => resolve(error));
  });
}

describe('requestValidator: declared header parameters', () => {
  it('refuses a Range longer than the contract allows with a 400 naming the header (found by contract fuzzing)', async () => {
    const error = await checkParameters('downloadLink', { range: '0'.repeat(1025) });
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).message + JSON.stringify(error)).toContain('range: must be at most 1024 characters.');
  });

  it('lets declared headers within their schema, and undeclared headers, through', async () => {
    expect(await checkParameters('downloadLink', { range: 'bytes=0-10', 'if-range': '"abc"', 'x-anything': 'y'.repeat(5000) })).toBeUndefined();
  });
});

describe('requestValidator: versions fit the services\' int32', () => {
  it('refuses a version past 2^31-1 with a 400 instead of a 500 from the gRPC encoding (found by contract fuzzing)', async () => {
    const params = { fileId: '01a21a37-1727-75fc-a970-625b59aa2850' };
    const error = await checkParameters('downloadFile', {}, { version: '1021225939782508' }, params);
    expect(error).toBeInstanceOf(AppError);
    expect(JSON.stringify(error) + (error as AppError).message).toContain('version');
    expect(await checkParameters('downloadFile', {}, { version: '2147483647' }, params)).toBeUndefined();
  });
});
