import { context, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export interface TracingOptions {
  service: string;
  version: string;
  /** OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces. Export is off without it. */
  otlpEndpoint?: string | undefined;
  /** Extra processors (tests use an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  tracer: Tracer;
  /** W3C trace context (`traceparent`, `tracestate`), used for HTTP headers and gRPC metadata. */
  propagator: W3CTraceContextPropagator;
  /** Flushes pending spans and stops exporting. */
  shutdown(): Promise<void>;
}

let contextManagerInstalled = false;

/**
 * Sets up OpenTelemetry tracing for one service. Spans are always created (so logs carry
 * trace ids and W3C context propagates); they are exported only when an OTLP endpoint or a
 * span processor is given. The AsyncLocalStorage context manager is process-wide by design of
 * the OpenTelemetry API and is installed once.
 */
export function initTracing(options: TracingOptions): Tracing {
  const spanProcessors = [...(options.spanProcessors ?? [])];
  if (options.otlpEndpoint) spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: options.otlpEndpoint })));
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.service, [ATTR_SERVICE_VERSION]: options.version }),
    spanProcessors,
  });
  if (!contextManagerInstalled) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    contextManagerInstalled = true;
  }
  return {
    tracer: provider.getTracer(`coffer-${options.service}`, options.version),
    propagator: new W3CTraceContextPropagator(),
    shutdown: () => provider.shutdown(),
  };
}
