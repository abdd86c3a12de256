import type { ErrorRequestHandler, Response } from 'express';
import { AppError, currentRequestContext, toAppError, toProblem, type Logger } from '@coffer/platform';

/** Sends an error as RFC 9457 problem+json; the only place the gateway turns errors into HTTP. */
export function sendProblem(res: Response, error: unknown, instance: string): void {
  const appError = toAppError(error);
  const problem = toProblem(appError, currentRequestContext()?.requestId, instance);
  // Every 503 says when to come back (1 s unless the error knows better).
  const retryAfterSeconds = appError.retryAfterSeconds ?? (problem.status === 503 ? 1 : undefined);
  if (retryAfterSeconds !== undefined) res.setHeader('retry-after', String(retryAfterSeconds));
  if (appError.code === 'unauthenticated') res.setHeader('www-authenticate', 'Bearer realm="coffer"');
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}

/** Express error handler: maps anything thrown to problem+json; unexpected errors are logged, never sent. */
export function problemErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const appError = toAppError(normalizeExpressError(error));
    if (appError.code === 'internal') logger.error({ err: appError.cause ?? appError }, 'request failed');
    sendProblem(res, appError, req.originalUrl.split('?')[0] ?? '/');
  };
}

/** body-parser style errors carry an HTTP status; keep their meaning, drop their message. */
function normalizeExpressError(error: unknown): unknown {
  const status = (error as { status?: unknown } | undefined)?.status;
  if (typeof status !== 'number') return error;
  if (status === 400) return new AppError('invalid_argument', { detail: 'The request body is malformed.', cause: error });
  if (status === 413) return new AppError('payload_too_large', { detail: 'The request body is too large.', cause: error });
  if (status === 415) return new AppError('unsupported_media_type', { detail: 'Unsupported content type.', cause: error });
  return error;
}
