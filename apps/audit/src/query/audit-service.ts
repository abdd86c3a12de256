import { once } from 'node:events';
import type { ServerWritableStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { auditV1 } from '@coffer/contracts';
import { AppError, runInCallContext, toAppError, toGrpcStatus, unaryHandler, type Logger } from '@coffer/platform';
import type { AuditOperations } from './audit-operations.js';

type ExportCall = ServerWritableStream<auditV1.ExportEventsRequest, auditV1.ExportEventsResponse>;

/** The AuditService gRPC handlers: thin adapters from calls to {@link AuditOperations}. */
export function auditServiceImplementation(operations: AuditOperations, logger: Logger): UntypedServiceImplementation {
  const implementation: auditV1.AuditServiceServer = {
    queryEvents: unaryHandler(logger, (request) => operations.queryEvents(request)),
    exportEvents: (call) => runInCallContext(call.metadata, () => void handleExport(operations, logger, call)),
    verifyChain: unaryHandler(logger, () => operations.verifyChain()),
    publishEvents: unaryHandler(logger, (request) => operations.publishEvents(request)),
  };
  return implementation;
}

/** Streams the export page by page; waits for 'drain' whenever call.write says the buffer is full. */
async function handleExport(operations: AuditOperations, logger: Logger, call: ExportCall): Promise<void> {
  let cancelled = false;
  const onCancel = (): void => {
    cancelled = true;
  };
  call.once('cancelled', onCancel);
  try {
    for await (const chunk of operations.exportEvents(call.request)) {
      if (cancelled) return;
      await write(call, { chunk });
    }
    if (!cancelled) call.end();
  } catch (error) {
    if (cancelled) return;
    const appError = toAppError(error);
    if (appError.code === 'internal') logger.error({ err: appError.cause ?? appError }, 'ExportEvents failed');
    call.emit('error', toGrpcStatus(appError));
  } finally {
    call.off('cancelled', onCancel);
  }
}

async function write(call: ExportCall, message: auditV1.ExportEventsResponse): Promise<void> {
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
