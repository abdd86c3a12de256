import { eventTypes } from '@coffer/contracts';
import { AppError, type Logger } from '@coffer/platform';
import type { Tracer } from '@opentelemetry/api';
import type { Registry } from 'prom-client';
import { EmbeddedEventBus } from './embedded-event-bus.js';
import type { EventBus } from './event-bus.js';
import { EventSchemaRegistry } from './event-schema-registry.js';
import { ForwardingEventBus, type ForwardEvents } from './forwarding-event-bus.js';
import { KafkaEventBus } from './kafka-event-bus.js';
import { topicForEventType } from './topic-naming.js';

/** Options of {@link createEventBusFromUrl}. */
export interface EventBusFromUrlOptions {
  /** Names this process to the brokers (the service name). */
  readonly clientId: string;
  /** Defaults to {@link platformEventSchemaRegistry}. */
  readonly registry?: EventSchemaRegistry;
  readonly logger?: Logger;
  /** `peer://…` only: how events reach the processes that consume them (their PublishEvents RPCs). */
  readonly forward?: ForwardEvents;
  /** The service's tracer, for the consumer spans of the Kafka and embedded buses. */
  readonly tracer?: Tracer;
  /** The service's Prometheus registry, for the Kafka bus's consumer-lag gauge. */
  readonly metricsRegistry?: Registry;
}

/** `embedded://`, `kafka://…` or `peer://name[,name…]`: the shapes a bus URL may have (brokers are checked when the bus is built). */
const BUS_URL_SHAPE = /^(embedded:\/\/|kafka:\/\/.+|peer:\/\/[a-z]+(,[a-z]+)*)$/;
/** A topic namespace from a bus URL: safe inside Kafka topic and group names, never a dot (the namespace ends at the first one). */
const TOPIC_NAMESPACE = /^[a-z0-9][a-z0-9-]{0,47}$/;
const PEER_URL = /^peer:\/\/([a-z]+(?:,[a-z]+)*)$/;

/** Whether a COFFER_EVENT_BUS_URL has one of the accepted shapes (for config validation at start-up). */
export function isEventBusUrlShape(url: string): boolean {
  return BUS_URL_SHAPE.test(url);
}

/** For config validation: adds a problem naming COFFER_EVENT_BUS_URL when `url` has none of the accepted shapes. */
export function checkEventBusUrl(url: string, problems: string[]): void {
  if (!isEventBusUrlShape(url)) problems.push('COFFER_EVENT_BUS_URL: must be embedded://, kafka://host:port[,host:port] or peer://audit[,webhook].');
}

/** The services a `peer://a,b` URL forwards to, in order; undefined for other URLs. */
export function peersOfBusUrl(url: string): readonly string[] | undefined {
  const match = PEER_URL.exec(url);
  return match?.[1] === undefined ? undefined : [...new Set(match[1].split(','))];
}

/**
 * A registry holding every event type of the platform, from the contracts
 * (events/schemas/<type>.v<N>.json, generated into @coffer/contracts).
 */
export function platformEventSchemaRegistry(): EventSchemaRegistry {
  const registry = new EventSchemaRegistry();
  for (const [type, { schema }] of Object.entries(eventTypes)) registry.register(type, schema as Record<string, unknown>);
  return registry;
}

/** Every topic the platform's event types go to (one per domain), sorted: what a consumer of all events subscribes to. */
export function platformEventTopics(namespace?: string): string[] {
  return [...new Set(Object.keys(eventTypes).map((type) => topicForEventType(type, namespace)))].sort();
}

/**
 * Builds the bus a URL names, without connecting yet:
 * - `kafka://host:port[,host:port…][?partitions=N][&namespace=NAME]` → {@link KafkaEventBus};
 *   `namespace` (default `coffer`) names its topics `NAME.<domain>.v1` and scopes its consumer
 *   groups, so several platforms can share one cluster (docs/adr/0025-event-namespaces.md);
 * - `embedded://` → {@link EmbeddedEventBus}: in this process only (events published here
 *   reach only subscribers in the same process);
 * - `peer://audit,webhook` → {@link ForwardingEventBus}: publish-only, forwarded with
 *   `options.forward` to the consuming services (the audit service hosts the embedded bus; the
 *   webhook service takes its events directly) — how separate processes share events in
 *   `make dev` (ADR 0018, ADR 0019).
 *
 * Throws `AppError('invalid_argument')` for anything else; the message never repeats the URL.
 */
export function createEventBusFromUrl(url: string, options: EventBusFromUrlOptions): EventBus {
  const registry = options.registry ?? platformEventSchemaRegistry();
  const logger = options.logger === undefined ? {} : { logger: options.logger };
  const tracer = options.tracer === undefined ? {} : { tracer: options.tracer };
  if (url === 'embedded://' || url === 'embedded:') return new EmbeddedEventBus({ registry, ...logger, ...tracer });
  if (peersOfBusUrl(url) !== undefined) {
    if (options.forward === undefined) throw new AppError('invalid_argument', { detail: 'A peer:// event bus needs a way to forward events to its host.' });
    return new ForwardingEventBus({ forward: options.forward, registry });
  }
  const kafka = /^kafka:\/\/([^/?#]*)\/?(?:\?(.*))?$/.exec(url);
  if (kafka) {
    const brokers = (kafka[1] ?? '').split(',').filter((broker) => broker !== '');
    if (brokers.length === 0 || brokers.some((broker) => !/^[A-Za-z0-9.-]+:[0-9]{1,5}$/.test(broker))) {
      throw new AppError('invalid_argument', { detail: 'The event bus URL must name brokers as kafka://host:port[,host:port].' });
    }
    const parameters = new URLSearchParams(kafka[2] ?? '');
    const partitions = parameters.get('partitions');
    if (partitions !== null && !/^[1-9][0-9]{0,3}$/.test(partitions)) {
      throw new AppError('invalid_argument', { detail: 'The event bus URL parameter partitions must be a whole number from 1 to 9999.' });
    }
    const namespace = parameters.get('namespace');
    if (namespace !== null && !TOPIC_NAMESPACE.test(namespace)) {
      throw new AppError('invalid_argument', { detail: 'The event bus URL parameter namespace must be 1 to 48 lower-case letters, digits or dashes, starting with a letter or digit.' });
    }
    return new KafkaEventBus({
      brokers,
      clientId: options.clientId,
      registry,
      ...logger,
      ...tracer,
      ...(options.metricsRegistry === undefined ? {} : { metricsRegistry: options.metricsRegistry }),
      ...(partitions === null ? {} : { partitions: Number(partitions) }),
      ...(namespace === null ? {} : { namespace }),
    });
  }
  throw new AppError('invalid_argument', { detail: 'The event bus URL must start with kafka://, embedded:// or peer://.' });
}
