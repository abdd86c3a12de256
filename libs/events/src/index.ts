/**
 * @coffer/events: the CloudEvents envelope, per-type data schemas, and the event bus with a
 * Kafka and an embedded implementation (docs/adr/0013-event-bus.md).
 */
export {
  assertCloudEvent,
  createEvent,
  EVENT_TYPE_PATTERN,
  parseEvent,
  serializeEvent,
  type CloudEvent,
  type JsonValue,
  type NewEvent,
} from './cloud-event.js';
export { eventParties, isEventVisibleTo, type EventParties } from './event-parties.js';
export { EventSchemaRegistry, type EventDataSchema } from './event-schema-registry.js';
export { consumerGroupIdFor, deadLetterTopic, DEFAULT_TOPIC_NAMESPACE, topicForEventType } from './topic-naming.js';
export {
  DEAD_LETTER_HEADERS,
  EVENT_HEADERS,
  type DeadLetterReason,
  type DeliveryContext,
  type EventBus,
  type EventHandler,
  type PublishOptions,
  type SubscribeOptions,
  type Subscription,
} from './event-bus.js';
export { partitionForKey, type EventRecord } from './event-record.js';
export { EmbeddedEventBus, type EmbeddedEventBusOptions, type StoredEventRecord } from './embedded-event-bus.js';
export { KafkaEventBus, type KafkaEventBusOptions } from './kafka-event-bus.js';
export {
  checkEventBusUrl,
  createEventBusFromUrl,
  isEventBusUrlShape,
  peersOfBusUrl,
  platformEventSchemaRegistry,
  platformEventTopics,
  type EventBusFromUrlOptions,
} from './create-event-bus-from-url.js';
export {
  ForwardingEventBus,
  forwardToAudit,
  forwardToEach,
  forwardToWebhook,
  parseForwardedEvents,
  type ForwardEvents,
} from './forwarding-event-bus.js';
export { createServiceEventBus } from './service-event-bus.js';
export { contextOfHeaders, contextOfTraceparent, traceHeadersOf, withConsumeSpan, type ConsumeSpanInput, type TraceHeaders } from './event-tracing.js';
export { CONSUMER_LAG_METRIC, registerConsumerLagMetrics, type ConsumerLag, type ConsumerLagSource } from './consumer-lag-metrics.js';
export { subscribeWithRetry, type SubscribeRetryOptions } from './subscribe-with-retry.js';
