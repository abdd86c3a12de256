import { eventTypes } from '@coffer/contracts';
import { AppError, type Logger } from '@coffer/platform';
import { EmbeddedEventBus } from './embedded-event-bus.js';
import type { EventBus } from './event-bus.js';
import { EventSchemaRegistry } from './event-schema-registry.js';
import { ForwardingEventBus, type ForwardEvents } from './forwarding-event-bus.js';
import { KafkaEventBus } from './kafka-event-bus.js';

/** Options of {@link createEventBusFromUrl}. */
export interface EventBusFromUrlOptions {
  /** Names this process to the brokers (the service name). */
  readonly clientId: string;
  /** Defaults to {@link platformEventSchemaRegistry}. */
  readonly registry?: EventSchemaRegistry;
  readonly logger?: Logger;
  /** `peer://…` only: how events reach the process hosting the embedded bus (its PublishEvents RPC). */
  readonly forward?: ForwardEvents;
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

/**
 * Builds the bus a URL names, without connecting yet:
 * - `kafka://host:port[,host:port…][?partitions=N]` → {@link KafkaEventBus};
 * - `embedded://` → {@link EmbeddedEventBus}: in this process only (events published here
 *   reach only subscribers in the same process);
 * - `peer://audit` → {@link ForwardingEventBus}: publish-only, forwarded with `options.forward`
 *   to the service hosting the embedded bus (the audit service) — how separate processes share
 *   one embedded bus in `make dev`.
 *
 * Throws `AppError('invalid_argument')` for anything else; the message never repeats the URL.
 */
export function createEventBusFromUrl(url: string, options: EventBusFromUrlOptions): EventBus {
  const registry = options.registry ?? platformEventSchemaRegistry();
  const logger = options.logger === undefined ? {} : { logger: options.logger };
  if (url === 'embedded://' || url === 'embedded:') return new EmbeddedEventBus({ registry, ...logger });
  if (/^peer:\/\/[a-z]+$/.test(url)) {
    if (options.forward === undefined) throw new AppError('invalid_argument', { detail: 'A peer:// event bus needs a way to forward events to its host.' });
    return new ForwardingEventBus({ forward: options.forward, registry });
  }
  const kafka = /^kafka:\/\/([^/?#]*)\/?(?:\?(.*))?$/.exec(url);
  if (kafka) {
    const brokers = (kafka[1] ?? '').split(',').filter((broker) => broker !== '');
    if (brokers.length === 0 || brokers.some((broker) => !/^[A-Za-z0-9.-]+:[0-9]{1,5}$/.test(broker))) {
      throw new AppError('invalid_argument', { detail: 'The event bus URL must name brokers as kafka://host:port[,host:port].' });
    }
    const partitions = new URLSearchParams(kafka[2] ?? '').get('partitions');
    if (partitions !== null && !/^[1-9][0-9]{0,3}$/.test(partitions)) {
      throw new AppError('invalid_argument', { detail: 'The event bus URL parameter partitions must be a whole number from 1 to 9999.' });
    }
    return new KafkaEventBus({ brokers, clientId: options.clientId, registry, ...logger, ...(partitions === null ? {} : { partitions: Number(partitions) }) });
  }
  throw new AppError('invalid_argument', { detail: 'The event bus URL must start with kafka://, embedded:// or peer://.' });
}
