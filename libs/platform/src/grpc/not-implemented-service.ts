import type {
  sendUnaryData,
  ServerReadableStream,
  ServerWritableStream,
  ServiceDefinition,
  UntypedHandleCall,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { AppError } from '../errors/app-error.js';
import { toGrpcStatus } from '../errors/error-mapping.js';
import type { ServiceBinding } from './handlers.js';

/**
 * Registers every RPC of a contract that has no implementation yet, answering UNIMPLEMENTED
 * through the normal call path. Without this, grpc-js answers UNIMPLEMENTED for unknown methods
 * before any interceptor runs, so the peer allowlist, metrics and logs would not see those calls
 * and an unlisted peer could tell a missing RPC from a forbidden one.
 */
export function notImplementedService(definition: ServiceDefinition, implemented: UntypedServiceImplementation = {}): ServiceBinding {
  const implementation: UntypedServiceImplementation = { ...implemented };
  for (const [name, method] of Object.entries(definition)) {
    if (Object.hasOwn(implementation, name)) continue;
    const status = () => toGrpcStatus(new AppError('not_implemented', { detail: `${method.path} is not implemented yet.` }));
    const handler = method.responseStream
      ? (call: ServerWritableStream<unknown, unknown>) => call.emit('error', status())
      : (_call: ServerReadableStream<unknown, unknown>, callback: sendUnaryData<unknown>) => callback(status(), null);
    implementation[name] = handler as UntypedHandleCall;
  }
  return { definition, implementation };
}
