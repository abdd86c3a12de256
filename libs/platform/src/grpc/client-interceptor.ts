import { randomUUID } from 'node:crypto';
import { InterceptingCall, status as GrpcStatus, type Interceptor, type Metadata, type StatusObject } from '@grpc/grpc-js';
import { context, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { W3CTraceContextPropagator } from '@opentelemetry/core';
import { USER_ID_METADATA, currentRequestContext } from '../logging/request-context.js';
import type { GrpcClientMetrics } from '../metrics/grpc-metrics.js';
import { metadataSetter } from '../tracing/carriers.js';

export interface ClientInterceptorDeps {
  metrics: GrpcClientMetrics;
  tracer: Tracer;
  propagator: W3CTraceContextPropagator;
}

/**
 * The interceptor on every client a Coffer service holds: starts a client span as a child of
 * the active context, sends `traceparent` and `x-request-id` in metadata, records RED metrics.
 */
export function platformClientInterceptor(deps: ClientInterceptorDeps): Interceptor {
  return (options, nextCall) => {
    const path = options.method_definition.path;
    const parent = context.active();
    const span = deps.tracer.startSpan(path, { kind: SpanKind.CLIENT, attributes: { 'rpc.system': 'grpc', 'rpc.method': path } }, parent);
    const started = process.hrtime.bigint();
    return new InterceptingCall(nextCall(options), {
      start: (metadata: Metadata, _listener, next) => {
        deps.propagator.inject(trace.setSpan(parent, span), metadata, metadataSetter);
        if (metadata.get('x-request-id').length === 0) metadata.set('x-request-id', currentRequestContext()?.requestId ?? randomUUID());
        // For log correlation only (authorization never reads it): who the request is for.
        const userId = currentRequestContext()?.userId;
        if (userId !== undefined && metadata.get(USER_ID_METADATA).length === 0) metadata.set(USER_ID_METADATA, userId);
        next(metadata, {
          onReceiveStatus: (status: StatusObject, nextStatus: (status: StatusObject) => void) => {
            const codeName = GrpcStatus[status.code] ?? String(status.code);
            deps.metrics.observe(path, codeName, Number(process.hrtime.bigint() - started) / 1e9);
            span.setAttribute('rpc.grpc.status_code', status.code);
            if (status.code !== GrpcStatus.OK) span.setStatus({ code: SpanStatusCode.ERROR, message: codeName });
            span.end();
            nextStatus(status);
          },
        });
      },
    });
  };
}
