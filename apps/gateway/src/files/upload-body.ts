import type { Readable } from 'node:stream';
import busboy from 'busboy';
import type { Request } from 'express';
import { AppError } from '@coffer/platform';

/** The bytes of an upload and what the request says about them. */
export interface UploadSource {
  body: Readable;
  /** The name from the multipart part's filename (raw bodies carry it in the query). */
  partFileName?: string;
  declaredContentType: string;
  /** Exact size when the request states it (raw bodies with Content-Length). */
  expectedSize?: number;
}

/** Multipart bodies: one file part and a few small fields at most. */
const MULTIPART_LIMITS = { files: 1, fields: 10, parts: 12, fieldSize: 1024, headerPairs: 20 } as const;

/**
 * Where an upload's bytes are: the raw request body (any content type but multipart), or the
 * first file part of a multipart/form-data body, streamed by busboy (nothing is buffered; the
 * part's bytes flow as the request's arrive).
 */
export async function uploadSource(req: Request): Promise<UploadSource> {
  const contentType = req.header('content-type') ?? 'application/octet-stream';
  if (!/^multipart\/form-data\s*;/i.test(contentType) && !/^multipart\//i.test(contentType)) {
    const length = req.header('content-length');
    return {
      body: req,
      declaredContentType: contentType,
      ...(length !== undefined && /^[0-9]{1,16}$/.test(length) ? { expectedSize: Number(length) } : {}),
    };
  }
  if (!/^multipart\/form-data/i.test(contentType)) {
    throw new AppError('unsupported_media_type', { detail: 'Send the file as the raw body or as multipart/form-data.' });
  }
  return firstFilePart(req);
}

function firstFilePart(req: Request): Promise<UploadSource> {
  return new Promise<UploadSource>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: MULTIPART_LIMITS });
    } catch {
      reject(new AppError('invalid_argument', { detail: 'The multipart/form-data body has no valid boundary.' }));
      return;
    }
    let found = false;
    const malformed = (detail: string) => {
      if (found) return;
      found = true;
      req.unpipe(parser);
      reject(new AppError('invalid_argument', { detail }));
    };
    parser.on('file', (_field, stream, info) => {
      if (found) {
        stream.resume();
        return;
      }
      found = true;
      resolve({ body: stream, partFileName: info.filename, declaredContentType: info.mimeType || 'application/octet-stream' });
    });
    parser.on('filesLimit', () => undefined);
    parser.on('partsLimit', () => malformed('The multipart/form-data body has too many parts.'));
    parser.on('fieldsLimit', () => malformed('The multipart/form-data body has too many fields.'));
    parser.on('error', () => malformed('The multipart/form-data body is malformed.'));
    parser.on('close', () => malformed('The multipart/form-data body has no file part.'));
    req.pipe(parser);
  });
}
