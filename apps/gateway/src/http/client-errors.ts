import type { Duplex } from 'node:stream';
import type { NextFunction, Request, Response } from 'express';
import { AppError, toProblem } from '@coffer/platform';
import { sendProblem } from './problem-response.js';

/** Request header lines accepted by default (COFFER_MAX_HEADER_COUNT). */
export const DEFAULT_MAX_HEADER_COUNT = 100;

/** Node's codes for a request refused before express sees it, and what the client is told. */
const clientErrorAnswers: Readonly<Record<string, () => AppError>> = {
  HPE_HEADER_OVERFLOW: () => new AppError('headers_too_large', { detail: 'The request headers are too large.' }),
  ERR_HTTP_REQUEST_TIMEOUT: () => new AppError('request_timeout', { detail: 'The request did not arrive in time.' }),
};

/**
 * The `clientError` listener of the gateway's HTTP server: a request Node refuses itself (headers
 * over COFFER_MAX_HEADER_BYTES, headers or body slower than COFFER_HEADERS_TIMEOUT_MS /
 * COFFER_UPLOAD_TIMEOUT_MS, a malformed request line) gets a problem+json answer instead of
 * Node's bare text, then the connection is closed. Like Node's own default, it writes only when
 * nothing was written on the socket yet (a response already under way is just cut).
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex & { bytesWritten?: number }): void {
  if (error.code !== 'ECONNRESET' && socket.writable && (socket.bytesWritten ?? 0) === 0) {
    const answer = clientErrorAnswers[error.code ?? '']?.() ?? new AppError('invalid_argument', { detail: 'The request is not valid HTTP.' });
    const problem = toProblem(answer);
    const body = JSON.stringify(problem);
    const status = problem.status;
    // end(), not destroy(): closing with unread request bytes would reset the connection and
    // could discard the answer before the client reads it. The socket is destroyed soon after.
    socket.end(
      `HTTP/1.1 ${status} ${statusText(status)}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
    return;
  }
  socket.destroy();
}

/** How long a refused client has to read its answer before the socket is destroyed. */
const CLOSE_GRACE_MS = 1_000;

function statusText(status: number): string {
  if (status === 408) return 'Request Timeout';
  if (status === 431) return 'Request Header Fields Too Large';
  return 'Bad Request';
}

/**
 * Refuses a request with more than `maxHeaders` header lines (COFFER_MAX_HEADER_COUNT) with
 * `431 headers_too_large`. Node itself would only drop the lines past its `maxHeadersCount`
 * silently, so a client could hide a header behind a thousand others.
 */
export function headerCountLimit(maxHeaders: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.rawHeaders.length / 2 > maxHeaders) {
      res.setHeader('connection', 'close');
      sendProblem(res, new AppError('headers_too_large', { detail: `At most ${maxHeaders} request headers are allowed.` }), req.path);
      return;
    }
    next();
  };
}

/**
 * Refuses a URL whose percent-encoding is not UTF-8 (`%FF`, an encoded lone surrogate such as
 * `%ED%A0%80`, a stray `%`) with `400 invalid_argument`. Without it the query parser would turn
 * those bytes into U+FFFD and store a name the client never sent.
 */
export function wellFormedUrlEncoding() {
  return (req: Request, res: Response, next: NextFunction): void => {
    try {
      decodeURIComponent(req.url);
    } catch {
      sendProblem(res, new AppError('invalid_argument', { detail: 'The URL has an invalid percent-encoding (it must encode UTF-8).' }), '/');
      return;
    }
    next();
  };
}
