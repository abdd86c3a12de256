import type { Request, Response } from 'express';
import type { restApi, RestOperation } from '@coffer/contracts';

export type OperationId = keyof restApi.operations;

/** Serves one REST operation of openapi/coffer.yaml. */
export type OperationHandler = (req: Request, res: Response) => Promise<void>;

/** Handlers by operationId; an operation of the contract without one answers 501. */
export type OperationHandlers = Partial<Record<OperationId, OperationHandler>>;

/** OpenAPI path template to express path: `/v1/users/{userId}` → `/v1/users/:userId`. */
export function expressPath(operation: Pick<RestOperation, 'path'>): string {
  return operation.path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}
