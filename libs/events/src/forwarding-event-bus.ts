import type { auditV1, webhookV1 } from '@coffer/contracts';
import { AppError, unaryCall } from '@coffer/platform';
import { assertCloudEvent, parseEvent, serializeEvent, type CloudEvent } from './cloud-event.js';
import type { EventBus, SubscribeOptions, Subscription } from './event-bus.js';
import type { EventSchemaRegistry } from './event-schema-registry.js';
import { DEFAULT_TOPIC_NAMESPACE } from './topic-naming.js';

/** Hands serialized events, in order, to the process that hosts the bus; rejects until it has taken them all. */
export type ForwardEvents = (eventsJson: readonly string[]) => Promise<void>;

/**
 * A publish-only bus for services that run as separate processes on the embedded defaults
 * (`make dev`): events are validated here, then forwarded to the process that hosts the
 * embedded bus (the audit service's PublishEvents RPC), whose subscribers consume them. It is
 * what the outbox relay publishes through, so a forward that fails leaves the rows pending
 * and they are retried: nothing is lost while the host is down.
 *
 * Subscribing is refused: subscribers run in the hosting process.
 */
export class ForwardingEventBus implements EventBus {
  readonly #forward: ForwardEvents;
  readonly #registry: EventSchemaRegistry;
  #closed = false;

  readonly topicNamespace: string;

  constructor(options: { forward: ForwardEvents; registry: EventSchemaRegistry; namespace?: string }) {
    this.#forward = options.forward;
    this.#registry = options.registry;
    this.topicNamespace = options.namespace ?? DEFAULT_TOPIC_NAMESPACE;
  }

  async publish(events: readonly CloudEvent[]): Promise<void> {
    if (this.#closed) throw new AppError('unavailable', { detail: 'The event bus is closed.', retryAfterSeconds: 1 });
    for (const event of events) {
      assertCloudEvent(event);
      this.#registry.validate(event);
    }
    if (events.length === 0) return;
    await this.#forward(events.map(serializeEvent));
  }

  subscribe(_options: SubscribeOptions): Promise<Subscription> {
    return Promise.reject(new AppError('not_implemented', { detail: 'A forwarding bus only publishes; subscribe where the bus is hosted.' }));
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}

/**
 * Forwards to the audit service's PublishEvents RPC (the host of the embedded bus in dev),
 * through an mTLS client the caller built (`runtime.client(auditV1.AuditServiceClient, 'audit')`).
 */
export function forwardToAudit(client: auditV1.AuditServiceClient, deadlineMs = 10_000): ForwardEvents {
  return async (eventsJson) => {
    await unaryCall(client.publishEvents.bind(client), { eventsJson: [...eventsJson] }, deadlineMs);
  };
}

/** Forwards to the webhook service's PublishEvents RPC (it turns events into deliveries; ADR 0019). */
export function forwardToWebhook(client: webhookV1.WebhookServiceClient, deadlineMs = 10_000): ForwardEvents {
  return async (eventsJson) => {
    await unaryCall(client.publishEvents.bind(client), { eventsJson: [...eventsJson] }, deadlineMs);
  };
}

/**
 * Forwards to every consumer in turn and resolves once all took the events. When one fails,
 * the outbox relay retries the whole batch later, so the consumers before it see the events
 * again: each deduplicates by event id (the audit trail and webhook deliveries both do).
 */
export function forwardToEach(forwards: readonly ForwardEvents[]): ForwardEvents {
  return async (eventsJson) => {
    for (const forward of forwards) await forward(eventsJson);
  };
}

/**
 * The receiving side of a forward (a consumer's PublishEvents RPC): parses and validates every
 * event (envelope and data schema) before any is used. `AppError('invalid_argument')` naming
 * the first bad one, or when there are more than `maxEvents`.
 */
export function parseForwardedEvents(eventsJson: readonly string[], registry: EventSchemaRegistry, maxEvents: number): CloudEvent[] {
  if (eventsJson.length > maxEvents) throw new AppError('invalid_argument', { detail: `eventsJson: at most ${maxEvents} events per call.` });
  return eventsJson.map((json, index) => {
    try {
      const event = parseEvent(json);
      registry.validate(event);
      return event;
    } catch (error) {
      const detail = error instanceof AppError ? (error.detail ?? error.message) : 'Invalid event.';
      throw new AppError('invalid_argument', { detail: `eventsJson[${index}]: ${detail}`, cause: error });
    }
  });
}
