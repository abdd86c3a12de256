import type { CloudEvent } from './cloud-event.js';
import type { TraceHeaders } from './event-tracing.js';

/** Where and how often the event being handled was delivered. */
export interface DeliveryContext {
  readonly topic: string;
  readonly partition: number;
  /** Position in the partition, as a decimal string (Kafka offsets exceed 2^53). */
  readonly offset: string;
  /** 1 on the first run of the handler for this delivery, then 2, 3, ... up to `maxAttempts`. */
  readonly attempt: number;
}

/** Handles one event. Resolving commits it; rejecting makes the bus deliver it again. */
export type EventHandler = (event: CloudEvent, context: DeliveryContext) => Promise<void>;

/** Options of {@link EventBus.subscribe}. */
export interface SubscribeOptions {
  /** Consumer group. Consumers in one group share the partitions; a new group starts at the earliest event. */
  readonly group: string;
  /** Full topic names (see `topicForEventType`). */
  readonly topics: readonly string[];
  readonly handler: EventHandler;
  /** Handler runs per event before it goes to the dead-letter topic. Default 5. */
  readonly maxAttempts?: number;
  /** Delay before retry n is `retryBackoffMs * 2^(n-1)`, at most 10 s. Default 200 ms. */
  readonly retryBackoffMs?: number;
  /**
   * Events of one partition whose handlers may run at the same time, 1 to 10,000. Default 1:
   * one event at a time, in order. Above 1 (for handlers that batch their writes, such as the
   * audit ingestor) the bus starts handlers in offset order without waiting for the previous
   * one, up to this many at once, and commits per partition the offset after the longest prefix
   * of events that finished (handled or dead-lettered). Handlers then finish, retry and
   * dead-letter out of order: only the start order of first attempts follows the partition.
   * Nothing unfinished is committed; on stop the finished prefix is committed and the rest is
   * delivered again to the group (docs/adr/0023-batched-event-consumption.md).
   */
  readonly maxInFlight?: number;
}

/** A running consumer. */
export interface Subscription {
  /**
   * Stops consuming and leaves the group. An event whose handler has not succeeded is not
   * committed; the group's next consumer gets it again. Idempotent.
   */
  stop(): Promise<void>;
}

/** Options of {@link EventBus.publish}. */
export interface PublishOptions {
  /**
   * Per event (same index), the W3C context of the span that publishes it (the outbox relay's
   * `publish <topic>` span). It goes into the record's `traceparent`/`tracestate` headers, so
   * consumers continue the trace under that span; the CloudEvent keeps its own `traceparent`
   * (the operation that produced it). Without an entry the headers repeat the event's.
   * Buses without record headers (the forwarding bus) ignore it.
   */
  readonly traceHeaders?: readonly (TraceHeaders | undefined)[];
}

/** Why an event went to the dead-letter topic. */
export type DeadLetterReason = 'invalid_event' | 'handler_failed';

/**
 * Headers (Kafka record headers; the embedded bus keeps the same map) that a dead-lettered
 * record carries besides the original ones. The value and key are the original bytes.
 */
export const DEAD_LETTER_HEADERS = Object.freeze({
  reason: 'dlq_reason',
  error: 'dlq_error',
  topic: 'dlq_topic',
  partition: 'dlq_partition',
  offset: 'dlq_offset',
  attempts: 'dlq_attempts',
  group: 'dlq_group',
});

/** Record headers of every published event (binding-independent routing without parsing the value). */
export const EVENT_HEADERS = Object.freeze({
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  specversion: 'ce_specversion',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  contentType: 'content-type',
});

/**
 * The event bus (docs/adr/0013-event-bus.md). Both implementations guarantee:
 *
 * - at-least-once delivery: an event is committed for a group only after its handler resolved
 *   (or after it was dead-lettered), so a handler failure or a crash means redelivery, never loss;
 *   handlers must be idempotent by event id;
 * - order per key (`subject`) within a topic: all events of one key go to one partition and a
 *   partition is handled one event at a time (with `maxInFlight` above 1: handlers start in
 *   partition order, up to that many at once, and may finish in any order);
 * - after `maxAttempts` handler failures, or when an event fails envelope or data validation,
 *   the record goes to `<topic>.dlq` with the error in its headers and consumption continues;
 * - consumers in one group share the partitions and never both handle a committed event;
 * - a group that has committed nothing starts at the earliest event.
 */
export interface EventBus {
  /**
   * The namespace of this bus's topics (`<namespace>.<domain>.v1`; default `coffer`): what a
   * consumer of the platform's events subscribes to is `platformEventTopics(bus.topicNamespace)`.
   * On Kafka it scopes the consumer groups too, so platforms sharing a cluster never share a
   * topic or a group (docs/adr/0025-event-namespaces.md).
   */
  readonly topicNamespace: string;

  /**
   * Validates every event (envelope and registered data schema) and publishes them to
   * `topicForEventType(type)` keyed by `subject`. Resolves once the bus has durably accepted
   * all of them; nothing is published when one is invalid (`AppError('invalid_argument')`).
   */
  publish(events: readonly CloudEvent[], options?: PublishOptions): Promise<void>;

  /** Starts a consumer; resolves once it has joined its group. */
  subscribe(options: SubscribeOptions): Promise<Subscription>;

  /** Stops every subscription and releases connections. Idempotent. */
  close(): Promise<void>;
}
