import type { Request, Response } from 'express';
import { fileV1 } from '@coffer/contracts';
import { contentDisposition, contentRangeHeader, unsatisfiedContentRange } from '@coffer/http-content';
import { formatContentDigest } from '@coffer/integrity';
import { AppError, toAppError, type Logger } from '@coffer/platform';
import { writeStreamedBody } from '../http/streamed-body.js';

/** Types a browser may render inline from the API origin; everything else is an attachment. */
const INLINE_SAFE_TYPES = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'application/pdf',
  'text/plain',
  'video/mp4',
  'video/webm',
  'audio/mpeg',
  'audio/ogg',
  'audio/wav',
]);

export interface DownloadOptions {
  disposition: 'attachment' | 'inline';
  logger: Logger;
}

/**
 * Answers a download from the file service's DownloadFile stream: status and headers from the
 * first message (200, 206, 304 or 416), then the bytes with backpressure — the next chunk is
 * taken from gRPC only when the client has taken the previous one. A failure after the headers
 * were sent (an integrity failure found at the end, say) aborts the connection, so the client
 * sees a truncated body, never a complete-looking corrupt one. A client that goes away
 * cancels the call.
 */
export async function streamDownload(files: fileV1.FileServiceClient, request: fileV1.DownloadFileRequest, req: Request, res: Response, options: DownloadOptions): Promise<void> {
  const call = files.downloadFile({ ...request, headerOnly: req.method === 'HEAD' });
  const cancel = () => call.cancel();
  res.once('close', cancel);
  const messages = call[Symbol.asyncIterator]() as AsyncIterator<fileV1.DownloadFileResponse>;
  let first: IteratorResult<fileV1.DownloadFileResponse>;
  try {
    first = await messages.next();
  } catch (error) {
    res.off('close', cancel);
    throw toAppError(error);
  }
  const part = first.done ? undefined : first.value.part;
  if (part?.$case !== 'header' || !part.header.file) {
    res.off('close', cancel);
    call.cancel();
    throw new AppError('internal', { detail: 'An internal error occurred.', cause: new Error('DownloadFile did not start with a header') });
  }
  const header = part.header;
  const file = part.header.file;
  if (!file) throw new AppError('internal');
  res.setHeader('etag', header.etag);
  res.setHeader('accept-ranges', 'bytes');
  res.setHeader('cache-control', 'private, no-cache');
  if (header.outcome === fileV1.DownloadOutcome.DOWNLOAD_OUTCOME_NOT_MODIFIED) {
    res.off('close', cancel);
    res.status(304).end();
    return;
  }
  if (header.outcome === fileV1.DownloadOutcome.DOWNLOAD_OUTCOME_RANGE_NOT_SATISFIABLE) {
    res.off('close', cancel);
    res.setHeader('content-range', unsatisfiedContentRange(file.sizeBytes));
    throw new AppError('range_not_satisfiable', { detail: `The file has ${file.sizeBytes} bytes; the requested range starts beyond its end.` });
  }
  const partial = header.outcome === fileV1.DownloadOutcome.DOWNLOAD_OUTCOME_PARTIAL;
  const type = file.declaredContentType || 'application/octet-stream';
  const inline = options.disposition === 'inline' && INLINE_SAFE_TYPES.has(type) && INLINE_SAFE_TYPES.has(file.sniffedContentType);
  res.status(partial ? 206 : 200);
  res.setHeader('content-type', type);
  res.setHeader('content-length', String(header.contentLength));
  res.setHeader('content-disposition', contentDisposition(inline ? 'inline' : 'attachment', file.name));
  // User content never runs as a page of the API origin.
  res.setHeader('content-security-policy', "default-src 'none'; sandbox");
  // RFC 9530: Repr-Digest is of the whole file; Content-Digest of the bytes in this message.
  res.setHeader('repr-digest', formatContentDigest(file.sha256));
  if (partial) res.setHeader('content-range', contentRangeHeader(header.rangeStart, header.rangeEnd, file.sizeBytes));
  else res.setHeader('content-digest', formatContentDigest(file.sha256));
  if (req.method === 'HEAD') {
    res.off('close', cancel);
    call.cancel();
    res.end();
    return;
  }
  res.flushHeaders();
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (let next = await messages.next(); !next.done; next = await messages.next()) {
      if (next.value.part?.$case === 'chunk') yield next.value.part.chunk;
    }
  }
  try {
    await writeStreamedBody(res, chunks(), { logger: options.logger, message: 'download aborted after its headers were sent', fields: { file_id: file.id } });
  } finally {
    res.off('close', cancel);
  }
}
