import {
  context as otelContext,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { endSpanAfter } from '@coffer/platform';
import { EVENT_HEADERS } from './event-bus.js';

/** W3C trace context as it travels in record headers: `traceparent`, and `tracestate` when there is one. */
export interface TraceHeaders {
  readonly traceparent: string;
  readonly tracestate?: string;
}

const propagator = new W3CTraceContextPropagator();

const recordGetter: TextMapGetter<Readonly<Record<string, string | undefined>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

const recordSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/**
 * A tracer whose spans record nothing but still carry their parent's context on, so W3C
 * context propagates even when no service tracer was passed in (unit tests, tools).
 */
export const NON_RECORDING_TRACER: Tracer = trace.getTracer('coffer-events-untraced');

/** The context a `traceparent` (and `tracestate`) continues; the root context when absent or invalid. */
export function contextOfTraceparent(traceparent: string | undefined, tracestate?: string): Context {
  if (traceparent === undefined) return ROOT_CONTEXT;
  return propagator.extract(ROOT_CONTEXT, { traceparent, ...(tracestate === undefined ? {} : { tracestate }) }, recordGetter);
}

/** The context carried by record headers (`traceparent`, `tracestate`). */
export function contextOfHeaders(headers: Readonly<Record<string, string | undefined>>): Context {
  return contextOfTraceparent(headers[EVENT_HEADERS.traceparent], headers[EVENT_HEADERS.tracestate]);
}

/** The W3C headers naming `span` as the parent; undefined for a span without a valid context. */
export function traceHeadersOf(span: Span): TraceHeaders | undefined {
  const carrier: Record<string, string> = {};
  propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, recordSetter);
  const traceparent = carrier[EVENT_HEADERS.traceparent];
  if (traceparent === undefined) return undefined;
  const tracestate = carrier[EVENT_HEADERS.tracestate];
  return tracestate === undefined ? { traceparent } : { traceparent, tracestate };
}

/** What a consumer span describes: one delivered record. */
export interface ConsumeSpanInput {
  readonly tracer: Tracer;
  /** `messaging.system`: `kafka`, or `coffer_embedded` for the in-process bus. */
  readonly system: string;
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** The record headers; their `traceparent` is the span's parent. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

/**
 * Runs `work` inside a `process <topic>` span (kind CONSUMER, OpenTelemetry messaging
 * conventions) whose parent is the record's `traceparent` header, so what the handler does
 * (its own spans, gRPC calls) joins the trace of the operation that produced the event.
 */
export async function withConsumeSpan<T>(input: ConsumeSpanInput, work: (span: Span) => Promise<T>): Promise<T> {
  const parent = contextOfHeaders(input.headers);
  const span = input.tracer.startSpan(
    `process ${input.topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': input.system,
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.name': input.topic,
        'messaging.consumer.group.name': input.group,
        'messaging.destination.partition.id': String(input.partition),
        'messaging.kafka.offset': Number(input.offset),
        ...(input.headers[EVENT_HEADERS.id] === undefined ? {} : { 'messaging.message.id': input.headers[EVENT_HEADERS.id] }),
        ...(input.headers[EVENT_HEADERS.type] === undefined ? {} : { 'cloudevents.event_type': input.headers[EVENT_HEADERS.type] }),
      },
    },
    parent,
  );
  return endSpanAfter(span, () => otelContext.with(trace.setSpan(parent, span), () => work(span)));
}
