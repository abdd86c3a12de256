import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { AppError, errors } from './app-error.js';
import { errorCatalog, fromGrpcError, toGrpcStatus, toProblem } from './error-mapping.js';

function serviceError(code: GrpcStatus, details: string, metadata = new Metadata()): ServiceError {
  return Object.assign(new Error(details), { code, details, metadata });
}

describe('error mapping', () => {
  it('maps every code to an HTTP 4xx/5xx and a non-OK gRPC status', () => {
    for (const [code, mapping] of Object.entries(errorCatalog)) {
      expect(mapping.httpStatus, code).toBeGreaterThanOrEqual(400);
      expect(mapping.grpcStatus, code).not.toBe(GrpcStatus.OK);
    }
  });

  it('builds an RFC 9457 problem with code and request id', () => {
    expect(toProblem(errors.notFound('No file f1.'), 'req-9', '/v1/files/f1')).toEqual({
      type: 'https://coffer.dev/problems/not-found',
      title: 'Not found',
      status: 404,
      detail: 'No file f1.',
      instance: '/v1/files/f1',
      code: 'not_found',
      requestId: 'req-9',
    });
  });

  it('hides unknown errors behind a generic internal problem', () => {
    const problem = toProblem(new Error('ECONNREFUSED 10.0.0.7:5432 password=x'));
    expect(problem.status).toBe(500);
    expect(problem.code).toBe('internal');
    expect(JSON.stringify(problem)).not.toContain('10.0.0.7');
  });

  it('round-trips a code and retry-after through gRPC metadata', () => {
    const status = toGrpcStatus(new AppError('rate_limited', { detail: 'slow down', retryAfterSeconds: 7 }));
    expect(status.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    const back = fromGrpcError(serviceError(status.code, status.details ?? '', status.metadata ?? new Metadata()));
    expect(back.code).toBe('rate_limited');
    expect(back.retryAfterSeconds).toBe(7);
    expect(back.detail).toBe('slow down');
  });

  it('keeps limit_exceeded (a count cap, 409) apart from rate_limited across gRPC', () => {
    const status = toGrpcStatus(new AppError('limit_exceeded', { detail: 'A file has at most 3 live share links.' }));
    const back = fromGrpcError(serviceError(status.code, status.details ?? '', status.metadata ?? new Metadata()));
    expect(back.code).toBe('limit_exceeded');
    expect(toProblem(back)).toMatchObject({ status: 409, code: 'limit_exceeded', type: 'https://coffer.dev/problems/limit-exceeded' });
  });

  it('maps a transport failure without Coffer metadata by status code, without passing details on', () => {
    const back = fromGrpcError(serviceError(GrpcStatus.UNAVAILABLE, 'connect ECONNREFUSED 127.0.0.1:50051'));
    expect(back.code).toBe('unavailable');
    expect(back.detail).toBe('Service unavailable');
    expect(back.retryAfterSeconds).toBe(1);
  });

  it('answers a peer that never answered in time (deadline exceeded, a frozen service) as a 503 to retry, keeping the code', () => {
    const back = fromGrpcError(serviceError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded after 5.001s'));
    expect(back.code).toBe('deadline_exceeded');
    expect(back.retryAfterSeconds).toBe(1);
    expect(toProblem(back)).toMatchObject({ status: 503, code: 'deadline_exceeded', title: 'Timed out' });
    expect(toGrpcStatus(back).code).toBe(GrpcStatus.DEADLINE_EXCEEDED);
  });
});
