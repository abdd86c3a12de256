import { eventParties, isEventVisibleTo, serializeEvent, type CloudEvent } from '@coffer/events';
import type { Tracer } from '@opentelemetry/api';
import { endSpanAfter } from '@coffer/platform';
import type { KnexWebhookRepository, NewDelivery } from '../subscriptions/webhook-repository.js';
import { matchesEventTypes } from '../subscriptions/subscription-rules.js';
import { newDeliveryId } from './delivery-id.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Turns platform events into deliveries: one row per (event, subscription) whose filter selects
 * the event type and whose owner may see the event — its actor, its owner or its subject, the
 * audit trail's visibility rule (libs/events `isEventVisibleTo`). Idempotent by event id: an
 * event taken twice (a redelivery, or a retried forward) adds no second delivery.
 */
export class EventFanout {
  readonly #repository: KnexWebhookRepository;
  readonly #onNewDeliveries: () => void;
  readonly #clock: () => Date;
  readonly #tracer: Tracer | undefined;

  /**
   * `tracer`: the service's; each call is a `webhook fanout` span under the active one (the
   * bus's `process <topic>` span, or the PublishEvents server span in `make dev`).
   */
  constructor(deps: { repository: KnexWebhookRepository; onNewDeliveries: () => void; clock?: () => Date; tracer?: Tracer }) {
    this.#repository = deps.repository;
    this.#onNewDeliveries = deps.onNewDeliveries;
    this.#clock = deps.clock ?? (() => new Date());
    this.#tracer = deps.tracer;
  }

  /** Writes the deliveries of these events durably; resolves with how many are new. */
  async fanOut(events: readonly CloudEvent[]): Promise<number> {
    if (this.#tracer === undefined) return this.#fanOut(events);
    return this.#tracer.startActiveSpan('webhook fanout', { attributes: { 'messaging.batch.message_count': events.length } }, (span) =>
      endSpanAfter(span, async () => {
        const inserted = await this.#fanOut(events);
        span.setAttribute('coffer.webhook.deliveries_created', inserted);
        return inserted;
      }),
    );
  }

  async #fanOut(events: readonly CloudEvent[]): Promise<number> {
    const candidates = new Set<string>();
    for (const event of events) {
      const { actorId, ownerId } = eventParties(event);
      for (const id of [actorId, ownerId, event.subject]) if (UUID.test(id)) candidates.add(id.toLowerCase());
    }
    const subscriptions = await this.#repository.enabledSubscriptionsOf([...candidates]);
    if (subscriptions.length === 0) return 0;
    const now = this.#clock();
    const deliveries: NewDelivery[] = [];
    for (const event of events) {
      if (event.type === 'webhook.ping') continue;
      let payload: string | undefined;
      for (const subscription of subscriptions) {
        if (!matchesEventTypes(subscription.eventTypes, event.type) || !isEventVisibleTo(event, subscription.ownerId)) continue;
        payload ??= serializeEvent(event);
        deliveries.push({ id: newDeliveryId(now.getTime()), subscriptionId: subscription.id, eventId: event.id, eventType: event.type, payload, createdAt: now });
      }
    }
    const inserted = await this.#repository.insertDeliveries(deliveries);
    if (inserted > 0) this.#onNewDeliveries();
    return inserted;
  }
}
