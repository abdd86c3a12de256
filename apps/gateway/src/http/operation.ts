import type { Request, Response } from 'express';
import type { restApi } from '@coffer/contracts';

export type OperationId = keyof restApi.operations;
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** One REST operation of openapi/coffer.yaml, bound to its handler. */
export interface Operation {
  operationId: OperationId;
  method: HttpMethod;
  /** Express path (OpenAPI `{id}` written as `:id`). */
  path: string;
  handle(req: Request, res: Response): Promise<void>;
}
