import { randomBytes, randomUUID } from 'node:crypto';
import type { Database } from '@coffer/db';
import { createEvent, parseEvent, platformEventSchemaRegistry, type CloudEvent } from '@coffer/events';
import { newDeliveryId } from '../src/dispatch/delivery-id.js';
import { WEBHOOK_SCHEMA } from '../src/subscriptions/webhook-migrations.js';
import type { DeliveryStatus, NewDelivery, SubscriptionRecord } from '../src/subscriptions/webhook-repository.js';

/** The instant every test starts from; the repository takes its dates as arguments. */
export const T0 = new Date('2026-01-01T00:00:00.123Z');

/** `T0` moved by `ms`. */
export const at = (ms: number): Date => new Date(T0.getTime() + ms);

/** A fresh owner or subscription id. */
export function newId(): string {
  return randomUUID();
}

/** A subscription as the service would store it (secret already sealed), enabled, created at `T0`. */
export function subscriptionRecord(ownerId: string, overrides: Partial<SubscriptionRecord> = {}): SubscriptionRecord {
  return {
    id: newId(),
    ownerId,
    url: 'https://hooks.example.com/coffer',
    eventTypes: ['file.uploaded', 'file.deleted'],
    description: 'test endpoint',
    enabled: true,
    disabledReason: undefined,
    sealedSecret: `v1.k1.${randomBytes(24).toString('base64url')}`,
    sealedPreviousSecret: undefined,
    previousSecretExpiresAt: undefined,
    failingSince: undefined,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

/** A new delivery of a fresh event to `subscriptionId`, created (and due) at `T0` unless told. */
export function newDelivery(subscriptionId: string, overrides: Partial<NewDelivery> = {}): NewDelivery {
  const createdAt = overrides.createdAt ?? T0;
  const eventId = overrides.eventId ?? randomUUID();
  return {
    id: newDeliveryId(createdAt.getTime()),
    subscriptionId,
    eventId,
    eventType: 'file.uploaded',
    payload: JSON.stringify({ id: eventId, type: 'file.uploaded', specversion: '1.0' }),
    createdAt,
    ...overrides,
  };
}

/** The webhook.endpoint_disabled event the dispatcher writes when it disables `subscription`. */
export function endpointDisabledEvent(subscription: SubscriptionRecord, reason: 'gone' | 'failing', now: Date): CloudEvent {
  return createEvent({
    type: 'webhook.endpoint_disabled',
    source: '/coffer/webhook',
    subject: subscription.id,
    time: now,
    data: { subscriptionId: subscription.id, ownerId: subscription.ownerId, url: subscription.url, reason },
  });
}

/** Empties every table of the schema, outbox included. */
export async function clearWebhooks(db: Database): Promise<void> {
  await db.knex.raw('truncate table ??.deliveries, ??.subscriptions, ??.outbox', [WEBHOOK_SCHEMA, WEBHOOK_SCHEMA, WEBHOOK_SCHEMA]);
}

/** Puts a delivery in a state directly (test set-up that must not depend on the code under test). */
export async function forceDeliveryState(db: Database, id: string, state: { status: DeliveryStatus; nextAttemptAt?: Date }): Promise<void> {
  const changed = await db.knex
    .withSchema(WEBHOOK_SCHEMA)
    .table('deliveries')
    .where({ id })
    .update({ status: state.status, ...(state.nextAttemptAt === undefined ? {} : { next_attempt_at: state.nextAttemptAt }) });
  if (Number(changed) !== 1) throw new Error(`no delivery ${id}`);
}

const registry = platformEventSchemaRegistry();

/** An outbox row, its event checked against the envelope and its data schema (events/schemas). */
export interface OutboxEntry {
  readonly topic: string;
  readonly eventKey: string;
  readonly event: CloudEvent;
}

/** The outbox of the webhook schema, oldest first. */
export async function outboxEntries(db: Database): Promise<OutboxEntry[]> {
  const rows = (await db.knex.withSchema(WEBHOOK_SCHEMA).table('outbox').select('topic', 'event_key', 'payload').orderBy('id')) as { topic: string; event_key: string; payload: unknown }[];
  return rows.map((row) => {
    const event = parseEvent(typeof row.payload === 'string' ? row.payload : JSON.stringify(row.payload));
    registry.validate(event);
    return { topic: row.topic, eventKey: row.event_key, event };
  });
}
