import { Metadata, type CallOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { fromGrpcError } from '../errors/error-mapping.js';
import type { AppError } from '../errors/app-error.js';

/** The callback-style unary method of a ts-proto generated client, bound to its client. */
export type UnaryMethod<Request, Response> = (
  request: Request,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Response) => void,
) => ClientUnaryCall;

/**
 * Calls a unary RPC as a promise with a deadline. Failures reject with an AppError translated
 * from the gRPC status in one place (`fromGrpcError`), so callers never see transport details.
 */
export function unaryCall<Request, Response>(method: UnaryMethod<Request, Response>, request: Request, deadlineMs: number): Promise<Response> {
  return new Promise<Response>((resolve, reject: (error: AppError) => void) => {
    method(request, new Metadata(), { deadline: Date.now() + deadlineMs }, (error, response) => {
      if (error) reject(fromGrpcError(error));
      else resolve(response);
    });
  });
}
