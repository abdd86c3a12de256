import { once } from 'node:events';
import type { sendUnaryData, ServerReadableStream, ServerWritableStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { fileV1 } from '@coffer/contracts';
import { AppError, runInCallContext, toAppError, toGrpcStatus, unaryHandler, type Logger } from '@coffer/platform';
import type { DownloadOperation } from './download-operation.js';
import type { FileOperations } from './file-operations.js';
import { splitUpload } from './upload-stream.js';
import { UPLOAD_CANCELLED_DETAIL, type UploadOperation } from './upload-operation.js';

export interface FileServiceHandlers {
  upload: UploadOperation;
  download: DownloadOperation;
  operations: FileOperations;
  logger: Logger;
}

/**
 * The FileService gRPC handlers: thin adapters from calls to the operations. The streaming
 * ones keep backpressure end to end: an upload reads the next message only when the store
 * wants more bytes, a download waits for 'drain' whenever `call.write` says the buffer is full,
 * and a cancelled call destroys the object stream at once.
 */
export function fileServiceImplementation(handlers: FileServiceHandlers): UntypedServiceImplementation {
  const { operations, logger } = handlers;
  const implementation: fileV1.FileServiceServer = {
    uploadFile: (call, callback) => runInCallContext(call.metadata, () => void handleUpload(handlers, call, callback)),
    downloadFile: (call) => runInCallContext(call.metadata, () => void handleDownload(handlers, call)),
    deleteFile: unaryHandler(logger, (request) => operations.deleteFile(request)),
    getFile: unaryHandler(logger, (request) => operations.getFile(request)),
    listFiles: unaryHandler(logger, (request) => operations.listFiles(request)),
    updateFile: unaryHandler(logger, (request) => operations.updateFile(request)),
    restoreFile: unaryHandler(logger, (request) => operations.restoreFile(request)),
    listVersions: unaryHandler(logger, (request) => operations.listVersions(request)),
    getUsage: unaryHandler(logger, (request) => operations.getUsage(request)),
    createShare: unaryHandler(logger, (request) => operations.createShare(request)),
    listShares: unaryHandler(logger, (request) => operations.listShares(request)),
    revokeShare: unaryHandler(logger, (request) => operations.revokeShare(request)),
    createLink: unaryHandler(logger, (request) => operations.createLink(request)),
    listLinks: unaryHandler(logger, (request) => operations.listLinks(request)),
    revokeLink: unaryHandler(logger, (request) => operations.revokeLink(request)),
  };
  return implementation as unknown as UntypedServiceImplementation;
}

async function handleUpload(
  handlers: FileServiceHandlers,
  call: ServerReadableStream<fileV1.UploadFileRequest, fileV1.UploadFileResponse>,
  callback: sendUnaryData<fileV1.UploadFileResponse>,
): Promise<void> {
  let cancelled = false;
  let body: NodeJS.ReadableStream & { destroy(error?: Error): void } | undefined;
  const onCancel = (): void => {
    cancelled = true;
    body?.destroy(new AppError('unavailable', { detail: UPLOAD_CANCELLED_DETAIL }));
  };
  call.once('cancelled', onCancel);
  try {
    const split = await splitUpload(call);
    body = split.body;
    if (cancelled) onCancel();
    const response = await handlers.upload.upload(split.header, split.body);
    callback(null, response);
  } catch (error) {
    const appError = toAppError(error);
    if (appError.code === 'internal') handlers.logger.error({ err: appError.cause ?? appError }, 'UploadFile failed');
    callback(toGrpcStatus(appError), null);
  } finally {
    call.off('cancelled', onCancel);
  }
}

async function handleDownload(handlers: FileServiceHandlers, call: ServerWritableStream<fileV1.DownloadFileRequest, fileV1.DownloadFileResponse>): Promise<void> {
  let cancelled = false;
  let abort: (() => void) | undefined;
  const onCancel = (): void => {
    cancelled = true;
    abort?.();
  };
  call.once('cancelled', onCancel);
  try {
    const prepared = await handlers.download.prepare(call.request);
    abort = () => prepared.abort();
    if (cancelled) {
      prepared.abort();
      return;
    }
    await write(call, { part: { $case: 'header', header: prepared.header } });
    for await (const chunk of prepared.chunks) {
      if (cancelled) break;
      await write(call, { part: { $case: 'chunk', chunk } });
    }
    if (!cancelled) call.end();
  } catch (error) {
    abort?.();
    if (cancelled) return;
    const appError = toAppError(error);
    if (appError.code === 'internal') handlers.logger.error({ err: appError.cause ?? appError }, 'DownloadFile failed');
    call.emit('error', toGrpcStatus(appError));
  } finally {
    call.off('cancelled', onCancel);
  }
}

/** Writes one message; when the call's buffer is full, waits for it to drain (or the call to end). */
async function write(call: ServerWritableStream<fileV1.DownloadFileRequest, fileV1.DownloadFileResponse>, message: fileV1.DownloadFileResponse): Promise<void> {
  if (call.write(message)) return;
  const controller = new AbortController();
  const ended = Promise.race([once(call, 'cancelled', { signal: controller.signal }), once(call, 'close', { signal: controller.signal })]).then(() => {
    throw new AppError('unavailable', { detail: 'The client went away.' });
  });
  try {
    await Promise.race([once(call, 'drain', { signal: controller.signal }), ended]);
  } finally {
    controller.abort();
    ended.catch(() => undefined);
  }
}
