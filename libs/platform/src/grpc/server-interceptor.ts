import { randomUUID } from 'node:crypto';
import {
  Metadata,
  ServerInterceptingCall,
  status as GrpcStatus,
  type ServerInterceptor,
  type StatusObject,
} from '@grpc/grpc-js';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { W3CTraceContextPropagator } from '@opentelemetry/core';
import { serviceNameFromSubjectAltName } from '@coffer/pki';
import type { Logger } from 'pino';
import { sanitizeRequestId, sanitizeUserId, USER_ID_METADATA } from '../logging/request-context.js';
import { grpcMethodLabels, type GrpcServerMetrics } from '../metrics/grpc-metrics.js';
import { metadataGetter } from '../tracing/carriers.js';
import { attachCallContext } from './call-context.js';
import { isPeerAllowed, type PeerAllowlist } from './peer-allowlist.js';

/** The status a server sends (grpc-js does not export this type from its entry point). */
type PartialStatusObject = Pick<StatusObject, 'code' | 'details'> & { metadata?: Metadata | null };

export interface ServerInterceptorDeps {
  allowlist: PeerAllowlist;
  metrics: GrpcServerMetrics;
  tracer: Tracer;
  propagator: W3CTraceContextPropagator;
  logger: Logger;
}

/**
 * The interceptor every Coffer gRPC server runs: identifies the mTLS peer from its certificate,
 * refuses peers that the allowlist does not name for the method (before any handler runs),
 * continues the caller's trace, and records RED metrics and one log line per call.
 */
export function platformServerInterceptor(deps: ServerInterceptorDeps): ServerInterceptor {
  return (methodDescriptor, call) => {
    const path = methodDescriptor.path;
    const started = process.hrtime.bigint();
    let span: ReturnType<Tracer['startSpan']> | undefined;
    let peer: string | undefined;
    let requestId = '';

    const intercepted: ServerInterceptingCall = new ServerInterceptingCall(call, {
      start: (next) => {
        next({
          onReceiveMetadata: (metadata: Metadata, nextMetadata: (metadata: Metadata) => void) => {
            peer = serviceNameFromSubjectAltName(call.getAuthContext().sslPeerCertificate?.subjectaltname);
            requestId = sanitizeRequestId(metadata.get('x-request-id')[0]?.toString()) ?? randomUUID();
            const parent = deps.propagator.extract(ROOT_CONTEXT, metadata, metadataGetter);
            span = deps.tracer.startSpan(
              path,
              { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'grpc', 'rpc.method': path, 'coffer.peer': peer ?? 'unknown' } },
              parent,
            );
            if (!isPeerAllowed(deps.allowlist, path, peer)) {
              deps.metrics.peerDenied.inc(grpcMethodLabels(path));
              const refusal = peer === undefined ? GrpcStatus.UNAUTHENTICATED : GrpcStatus.PERMISSION_DENIED;
              intercepted.sendStatus({
                code: refusal,
                details: peer === undefined ? 'client certificate names no Coffer service' : `peer ${peer} may not call ${path}`,
                metadata: new Metadata(),
              });
              return;
            }
            const userId = sanitizeUserId(metadata.get(USER_ID_METADATA)[0]?.toString());
            attachCallContext(metadata, { otelContext: trace.setSpan(parent, span), requestId, peer: peer ?? 'unknown', ...(userId === undefined ? {} : { userId }) });
            nextMetadata(metadata);
          },
        });
      },
      sendStatus: (status: PartialStatusObject, nextStatus: (status: PartialStatusObject) => void) => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const codeName = GrpcStatus[status.code] ?? String(status.code);
        deps.metrics.observe(path, codeName, seconds);
        if (span) {
          span.setAttribute('rpc.grpc.status_code', status.code);
          if (status.code !== GrpcStatus.OK) span.setStatus({ code: SpanStatusCode.ERROR, message: codeName });
          span.end();
        }
        const spanContext = span?.spanContext();
        const line = {
          grpc_method: path,
          grpc_code: codeName,
          peer: peer ?? 'unknown',
          request_id: requestId,
          duration_ms: seconds * 1000,
          ...(spanContext ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : {}),
        };
        if (status.code === GrpcStatus.OK) deps.logger.debug(line, 'rpc served');
        else deps.logger.info(line, 'rpc failed');
        nextStatus(status);
      },
    });
    return intercepted;
  };
}
