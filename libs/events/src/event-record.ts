import { assertCloudEvent, serializeEvent, type CloudEvent } from './cloud-event.js';
import { DEAD_LETTER_HEADERS, EVENT_HEADERS, type DeadLetterReason } from './event-bus.js';
import type { EventSchemaRegistry } from './event-schema-registry.js';
import type { TraceHeaders } from './event-tracing.js';
import { topicForEventType } from './topic-naming.js';

/** One record as both buses store it: topic, key (= subject), JSON value, string headers. */
export interface EventRecord {
  readonly topic: string;
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Validates every event first (all or nothing), then turns each into its record. The trace
 * headers are `traceHeaders[i]` when given (the publishing span), else the event's own.
 */
export function toEventRecords(
  events: readonly CloudEvent[],
  registry: EventSchemaRegistry,
  namespace: string,
  traceHeaders: readonly (TraceHeaders | undefined)[] = [],
): EventRecord[] {
  for (const event of events) {
    assertCloudEvent(event);
    registry.validate(event);
  }
  return events.map((event, index) => recordOf(event, namespace, traceHeaders[index] ?? traceHeadersOfEvent(event)));
}

function traceHeadersOfEvent(event: CloudEvent): TraceHeaders | undefined {
  if (event.traceparent === undefined) return undefined;
  return event.tracestate === undefined ? { traceparent: event.traceparent } : { traceparent: event.traceparent, tracestate: event.tracestate };
}

function recordOf(event: CloudEvent, namespace: string, trace: TraceHeaders | undefined): EventRecord {
  return {
    topic: topicForEventType(event.type, namespace),
    key: event.subject,
    value: serializeEvent(event),
    headers: {
      [EVENT_HEADERS.id]: event.id,
      [EVENT_HEADERS.type]: event.type,
      [EVENT_HEADERS.source]: event.source,
      [EVENT_HEADERS.specversion]: event.specversion,
      [EVENT_HEADERS.contentType]: 'application/cloudevents+json; charset=utf-8',
      ...(trace === undefined ? {} : { [EVENT_HEADERS.traceparent]: trace.traceparent }),
      ...(trace?.tracestate === undefined ? {} : { [EVENT_HEADERS.tracestate]: trace.tracestate }),
    },
  };
}

/** The headers a dead-lettered record gets on top of its original ones. */
export function deadLetterHeaders(input: {
  readonly original: Readonly<Record<string, string>>;
  readonly reason: DeadLetterReason;
  readonly error: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly attempts: number;
  readonly group: string;
}): Record<string, string> {
  return {
    ...input.original,
    [DEAD_LETTER_HEADERS.reason]: input.reason,
    [DEAD_LETTER_HEADERS.error]: input.error,
    [DEAD_LETTER_HEADERS.topic]: input.topic,
    [DEAD_LETTER_HEADERS.partition]: String(input.partition),
    [DEAD_LETTER_HEADERS.offset]: input.offset,
    [DEAD_LETTER_HEADERS.attempts]: String(input.attempts),
    [DEAD_LETTER_HEADERS.group]: input.group,
  };
}

/** Kafka's default partitioner for keyed records: murmur2(key) & 0x7fffffff mod partitions. */
export function partitionForKey(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}

function murmur2(data: Buffer): number {
  const m = 0x5bd1e995;
  const r = 24;
  const length = data.length;
  let h = (0x9747b28c ^ length) | 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data.readInt32LE(i);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= (data[whole + 2] ?? 0) << 16;
  if (rest >= 2) h ^= (data[whole + 1] ?? 0) << 8;
  if (rest >= 1) {
    h ^= data[whole] ?? 0;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h;
}
