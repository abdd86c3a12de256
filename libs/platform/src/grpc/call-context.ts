import type { Metadata } from '@grpc/grpc-js';
import type { Context } from '@opentelemetry/api';

/**
 * What the server interceptor learned about a call (trace context, request id, peer), handed to
 * the handler through the call's metadata object, which grpc-js passes along unchanged.
 */
export interface CallContext {
  otelContext: Context;
  requestId: string;
  /** The user the request is for, as the caller passed it (for logs; never for authorization). */
  userId?: string;
  peer: string;
}

const callContexts = new WeakMap<Metadata, CallContext>();

export function attachCallContext(metadata: Metadata, callContext: CallContext): void {
  callContexts.set(metadata, callContext);
}

export function callContextOf(metadata: Metadata): CallContext | undefined {
  return callContexts.get(metadata);
}
