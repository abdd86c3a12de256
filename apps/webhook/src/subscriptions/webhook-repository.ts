import { runQuery, withTransaction, type Database } from '@coffer/db';
import type { CloudEvent } from '@coffer/events';
import { writeToOutbox } from '@coffer/outbox';
import { AppError, errors } from '@coffer/platform';
import type { Knex } from 'knex';
import { WEBHOOK_SCHEMA } from './webhook-migrations.js';

/** Why a subscription is disabled. */
export type DisabledReason = 'owner' | 'gone' | 'failing';
/** Where a delivery stands. */
export type DeliveryStatus = 'pending' | 'succeeded' | 'dead';

/** A subscription as stored (secrets sealed). */
export interface SubscriptionRecord {
  readonly id: string;
  readonly ownerId: string;
  readonly url: string;
  readonly eventTypes: readonly string[];
  readonly description: string;
  readonly enabled: boolean;
  readonly disabledReason: DisabledReason | undefined;
  readonly sealedSecret: string;
  readonly sealedPreviousSecret: string | undefined;
  readonly previousSecretExpiresAt: Date | undefined;
  readonly failingSince: Date | undefined;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A delivery as stored. */
export interface DeliveryRecord {
  readonly id: string;
  readonly subscriptionId: string;
  readonly eventId: string;
  readonly eventType: string;
  /** The exact body sent (the CloudEvent as JSON). */
  readonly payload: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: Date;
  readonly lastStatusCode: number | undefined;
  readonly lastError: string | undefined;
  readonly createdAt: Date;
  readonly completedAt: Date | undefined;
}

/** A delivery to attempt now, with what sending it needs from its subscription. */
export interface ClaimedDelivery extends DeliveryRecord {
  readonly subscription: SubscriptionRecord;
}

/** A new delivery row (from an event that matched, a ping, …). */
export interface NewDelivery {
  readonly id: string;
  readonly subscriptionId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly payload: string;
  readonly createdAt: Date;
}

/** What changes on a subscription; undefined fields stay. */
export interface SubscriptionChange {
  readonly url?: string;
  readonly eventTypes?: readonly string[];
  readonly description?: string;
  /** true: enabled, reason and failure streak cleared; false: disabled by its owner. */
  readonly enabled?: boolean;
  readonly sealedSecret?: string;
  /** null clears it. */
  readonly sealedPreviousSecret?: string | null;
  readonly previousSecretExpiresAt?: Date | null;
}

/** The outcome of a failed attempt. */
export interface FailedAttempt {
  readonly statusCode: number | undefined;
  readonly error: string;
  /** When to try again; undefined: the schedule is used up and the delivery is dead. */
  readonly nextAttemptAt: Date | undefined;
}

/** One keyset page of deliveries, newest first. */
export interface DeliveryPageRequest {
  readonly status?: DeliveryStatus;
  readonly limit: number;
  readonly after?: { readonly createdAt: Date; readonly id: string };
}

/** Backlog figures for the metrics. */
export interface QueueStats {
  /** Pending deliveries of enabled subscriptions. */
  readonly depth: number;
  /** Age of the oldest of them, seconds (0 when none); includes deliveries waiting for a scheduled retry. */
  readonly oldestPendingAgeSeconds: number;
  /** How late the most overdue delivery is (now − its due time), seconds; 0 when none is overdue. Grows only when the workers fall behind. */
  readonly oldestDueAgeSeconds: number;
}

interface SubscriptionRow {
  id: string;
  owner_id: string;
  url: string;
  event_types: string;
  description: string;
  enabled: boolean;
  disabled_reason: DisabledReason | null;
  sealed_secret: string;
  sealed_previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface DeliveryRow {
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  completed_at: Date | null;
}

const toDate = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));
const toOptionalDate = (value: Date | string | null): Date | undefined => (value === null ? undefined : toDate(value));

function toSubscription(row: SubscriptionRow): SubscriptionRecord {
  return {
    id: row.id,
    ownerId: row.owner_id,
    url: row.url,
    eventTypes: JSON.parse(row.event_types) as string[],
    description: row.description,
    enabled: row.enabled,
    disabledReason: row.disabled_reason ?? undefined,
    sealedSecret: row.sealed_secret,
    sealedPreviousSecret: row.sealed_previous_secret ?? undefined,
    previousSecretExpiresAt: toOptionalDate(row.previous_secret_expires_at),
    failingSince: toOptionalDate(row.failing_since),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

function toDelivery(row: DeliveryRow): DeliveryRecord {
  return {
    id: row.id,
    subscriptionId: row.subscription_id,
    eventId: row.event_id,
    eventType: row.event_type,
    payload: row.payload,
    status: row.status,
    attempts: Number(row.attempts),
    nextAttemptAt: toDate(row.next_attempt_at),
    lastStatusCode: row.last_status_code ?? undefined,
    lastError: row.last_error ?? undefined,
    createdAt: toDate(row.created_at),
    completedAt: toOptionalDate(row.completed_at),
  };
}

/** Errors and status lines end up in an API response: keep them short. */
const clip = (text: string): string => (text.length > 500 ? `${text.slice(0, 497)}...` : text);

/**
 * Subscriptions and deliveries in PostgreSQL or PGlite (schema `webhooks`). One contract suite
 * (test/webhook-repository.contract.ts) runs against both.
 */
export class KnexWebhookRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  #subscriptions(knex: Knex): Knex.QueryBuilder<SubscriptionRow> {
    return knex.withSchema(WEBHOOK_SCHEMA).table<SubscriptionRow>('subscriptions');
  }

  #deliveries(knex: Knex): Knex.QueryBuilder<DeliveryRow> {
    return knex.withSchema(WEBHOOK_SCHEMA).table<DeliveryRow>('deliveries');
  }

  /** Stores a new subscription; `conflict` when its owner already has `maxPerOwner`. */
  async createSubscription(record: SubscriptionRecord, maxPerOwner: number): Promise<SubscriptionRecord> {
    return withTransaction(this.#db, async (trx) => {
      // Serialises creations per owner, so two racing requests cannot both take the last slot.
      await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`webhooks:${record.ownerId}`]);
      const [count] = (await this.#subscriptions(trx).where({ owner_id: record.ownerId }).count<{ count: string }[]>('* as count')) as { count: string }[];
      if (Number(count?.count ?? 0) >= maxPerOwner) {
        throw errors.conflict(`You already have ${maxPerOwner} webhook subscriptions, the most allowed; delete one first.`);
      }
      const [row] = (await this.#subscriptions(trx)
        .insert({
          id: record.id,
          owner_id: record.ownerId,
          url: record.url,
          event_types: JSON.stringify(record.eventTypes),
          description: record.description,
          enabled: record.enabled,
          disabled_reason: record.disabledReason ?? null,
          sealed_secret: record.sealedSecret,
          sealed_previous_secret: record.sealedPreviousSecret ?? null,
          previous_secret_expires_at: record.previousSecretExpiresAt ?? null,
          failing_since: null,
          created_at: record.createdAt,
          updated_at: record.updatedAt,
        })
        .returning('*')) as SubscriptionRow[];
      if (row === undefined) throw errors.internal();
      return toSubscription(row);
    });
  }

  async getSubscription(id: string): Promise<SubscriptionRecord | undefined> {
    const row = (await runQuery(this.#db, (knex) => this.#subscriptions(knex).where({ id }).first())) as SubscriptionRow | undefined;
    return row === undefined ? undefined : toSubscription(row);
  }

  async listSubscriptions(ownerId: string): Promise<SubscriptionRecord[]> {
    const rows = (await runQuery(this.#db, (knex) => this.#subscriptions(knex).where({ owner_id: ownerId }).orderBy([{ column: 'created_at' }, { column: 'id' }]))) as SubscriptionRow[];
    return rows.map(toSubscription);
  }

  /** Enabled subscriptions of these owners (the candidates for an event's deliveries). */
  async enabledSubscriptionsOf(ownerIds: readonly string[]): Promise<SubscriptionRecord[]> {
    if (ownerIds.length === 0) return [];
    const rows = (await runQuery(this.#db, (knex) => this.#subscriptions(knex).whereIn('owner_id', [...ownerIds]).andWhere({ enabled: true }))) as SubscriptionRow[];
    return rows.map(toSubscription);
  }

  /** Applies a change; undefined when the subscription does not exist. */
  async updateSubscription(id: string, change: SubscriptionChange, now: Date): Promise<SubscriptionRecord | undefined> {
    const patch: Partial<SubscriptionRow> = { updated_at: now };
    if (change.url !== undefined) patch.url = change.url;
    if (change.eventTypes !== undefined) patch.event_types = JSON.stringify(change.eventTypes);
    if (change.description !== undefined) patch.description = change.description;
    if (change.enabled === true) Object.assign(patch, { enabled: true, disabled_reason: null, failing_since: null });
    if (change.enabled === false) Object.assign(patch, { enabled: false, disabled_reason: 'owner' });
    if (change.sealedSecret !== undefined) patch.sealed_secret = change.sealedSecret;
    if (change.sealedPreviousSecret !== undefined) patch.sealed_previous_secret = change.sealedPreviousSecret;
    if (change.previousSecretExpiresAt !== undefined) patch.previous_secret_expires_at = change.previousSecretExpiresAt;
    const [row] = (await runQuery(this.#db, (knex) => this.#subscriptions(knex).where({ id }).update(patch).returning('*'))) as SubscriptionRow[];
    return row === undefined ? undefined : toSubscription(row);
  }

  /** Deletes a subscription and its deliveries; false when it did not exist. */
  async deleteSubscription(id: string): Promise<boolean> {
    const count = await runQuery(this.#db, (knex) => this.#subscriptions(knex).where({ id }).delete());
    return Number(count) > 0;
  }

  /** Inserts deliveries, skipping any whose (subscription, event) already has one; returns how many are new. */
  async insertDeliveries(deliveries: readonly NewDelivery[]): Promise<number> {
    if (deliveries.length === 0) return 0;
    const rows = deliveries.map((delivery) => ({
      id: delivery.id,
      subscription_id: delivery.subscriptionId,
      event_id: delivery.eventId,
      event_type: delivery.eventType,
      payload: delivery.payload,
      status: 'pending' as const,
      attempts: 0,
      next_attempt_at: delivery.createdAt,
      created_at: delivery.createdAt,
    }));
    const inserted = (await runQuery(this.#db, (knex) => this.#deliveries(knex).insert(rows).onConflict(['subscription_id', 'event_id']).ignore().returning('id'))) as { id: string }[];
    return inserted.length;
  }

  /**
   * Claims up to `limit` due deliveries of enabled subscriptions: their next attempt moves to
   * `leaseUntil`, so no other worker takes them while this one sends; a worker that dies leaves
   * them to be retried when the lease ends (same webhook-id, at least once).
   */
  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
    if (limit <= 0) return [];
    return withTransaction(this.#db, async (trx) => {
      const claimed = (
        await trx.raw<{ rows: DeliveryRow[] }>(
          `update ${WEBHOOK_SCHEMA}.deliveries set next_attempt_at = ?
             where id in (
               select d.id from ${WEBHOOK_SCHEMA}.deliveries d
                 join ${WEBHOOK_SCHEMA}.subscriptions s on s.id = d.subscription_id
                where d.status = 'pending' and d.next_attempt_at <= ? and s.enabled
                order by d.next_attempt_at
                limit ?
                for update of d skip locked)
           returning *`,
          [leaseUntil, now, limit],
        )
      ).rows;
      if (claimed.length === 0) return [];
      const subscriptions = (await this.#subscriptions(trx).whereIn('id', [...new Set(claimed.map((row) => row.subscription_id))])) as SubscriptionRow[];
      const byId = new Map(subscriptions.map((row) => [row.id, toSubscription(row)]));
      return claimed.flatMap((row) => {
        const subscription = byId.get(row.subscription_id);
        return subscription === undefined ? [] : [{ ...toDelivery(row), subscription }];
      });
    });
  }

  /** A 2xx: the delivery is done and the endpoint's failure streak ends. */
  async recordSuccess(delivery: ClaimedDelivery, statusCode: number, now: Date): Promise<void> {
    // One statement, so one round trip and no explicit transaction (this runs once per
    // delivery: the hot path of the dispatcher); an endpoint that was failing is healthy again.
    await runQuery(this.#db, (knex) =>
      knex.raw(
        `with done as (
           update ??.deliveries
              set status = 'succeeded', attempts = attempts + 1, last_status_code = ?, last_error = null, completed_at = ?
            where id = ?
        returning subscription_id)
         update ??.subscriptions set failing_since = null
          where id in (select subscription_id from done) and failing_since is not null`,
        [WEBHOOK_SCHEMA, statusCode, now, delivery.id, WEBHOOK_SCHEMA],
      ),
    );
  }

  /**
   * A failed attempt: scheduled again, or dead when the schedule is used up. Returns since when
   * the endpoint has been failing (its first failure after its last success).
   */
  async recordFailure(delivery: ClaimedDelivery, attempt: FailedAttempt, now: Date): Promise<Date> {
    return withTransaction(this.#db, async (trx) => {
      await this.#deliveries(trx)
        .where({ id: delivery.id })
        .update({
          attempts: trx.raw('attempts + 1') as unknown as number,
          last_status_code: attempt.statusCode ?? null,
          last_error: clip(attempt.error),
          ...(attempt.nextAttemptAt === undefined ? { status: 'dead' as const, completed_at: now } : { next_attempt_at: attempt.nextAttemptAt }),
        });
      const [row] = (await this.#subscriptions(trx)
        .where({ id: delivery.subscriptionId })
        .update({ failing_since: trx.raw('coalesce(failing_since, ?)', [now]) as unknown as Date })
        .returning('failing_since')) as { failing_since: Date | string | null }[];
      return row?.failing_since === null || row?.failing_since === undefined ? now : toDate(row.failing_since);
    });
  }

  /**
   * Disables an endpoint (410 Gone, or failing too long): its pending deliveries become dead (the
   * owner replays them after fixing it), and `event` (webhook.endpoint_disabled) is written to
   * the outbox in the same transaction. False when it was already disabled (no second event).
   */
  async disableSubscription(id: string, reason: Exclude<DisabledReason, 'owner'>, event: CloudEvent, now: Date): Promise<boolean> {
    return withTransaction(this.#db, async (trx) => {
      const changed = await this.#subscriptions(trx).where({ id, enabled: true }).update({ enabled: false, disabled_reason: reason, updated_at: now });
      if (Number(changed) === 0) return false;
      await this.#deliveries(trx)
        .where({ subscription_id: id, status: 'pending' })
        .update({ status: 'dead', completed_at: now, last_error: trx.raw("case when coalesce(last_error, '') = '' then 'Not attempted: endpoint disabled.' else left(last_error, 470) || ' (endpoint disabled)' end") as unknown as string });
      await writeToOutbox(trx, WEBHOOK_SCHEMA, [event]);
      return true;
    });
  }

  async getDelivery(id: string): Promise<DeliveryRecord | undefined> {
    const row = (await runQuery(this.#db, (knex) => this.#deliveries(knex).where({ id }).first())) as DeliveryRow | undefined;
    return row === undefined ? undefined : toDelivery(row);
  }

  /** One page of a subscription's deliveries, newest first. */
  async listDeliveries(subscriptionId: string, page: DeliveryPageRequest): Promise<DeliveryRecord[]> {
    const rows = (await runQuery(this.#db, (knex) => {
      const query = this.#deliveries(knex).where({ subscription_id: subscriptionId });
      if (page.status !== undefined) void query.andWhere({ status: page.status });
      if (page.after !== undefined) {
        const { createdAt, id } = page.after;
        void query.andWhere((older) => void older.where('created_at', '<', createdAt).orWhere((same) => void same.where('created_at', createdAt).andWhere('id', '<', id)));
      }
      return query.orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(page.limit);
    })) as DeliveryRow[];
    return rows.map(toDelivery);
  }

  /** Queues one delivery again (whatever its state), keeping its id; false when it is not this subscription's. */
  async replayDelivery(subscriptionId: string, deliveryId: string, now: Date): Promise<boolean> {
    const count = await runQuery(this.#db, (knex) =>
      this.#deliveries(knex)
        .where({ id: deliveryId, subscription_id: subscriptionId })
        .update({ status: 'pending', attempts: 0, next_attempt_at: now, completed_at: null }),
    );
    return Number(count) > 0;
  }

  /** Queues again every dead delivery of a subscription created at or after `since`; returns how many. */
  async replayDeadSince(subscriptionId: string, since: Date, now: Date): Promise<number> {
    const count = await runQuery(this.#db, (knex) =>
      this.#deliveries(knex)
        .where({ subscription_id: subscriptionId, status: 'dead' })
        .andWhere('created_at', '>=', since)
        .update({ status: 'pending', attempts: 0, next_attempt_at: now, completed_at: null }),
    );
    return Number(count);
  }

  async queueStats(now: Date): Promise<QueueStats> {
    const result = await runQuery(this.#db, (knex) =>
      knex.raw<{ rows: { depth: string | number; oldest: Date | string | null; oldest_due: Date | string | null }[] }>(
        `select count(*) as depth, min(d.created_at) as oldest, min(case when d.next_attempt_at <= ? then d.next_attempt_at end) as oldest_due
           from ${WEBHOOK_SCHEMA}.deliveries d join ${WEBHOOK_SCHEMA}.subscriptions s on s.id = d.subscription_id
          where d.status = 'pending' and s.enabled`,
        [now],
      ),
    );
    const row = result.rows[0];
    const ageOf = (value: Date | string | null | undefined): number => (value === null || value === undefined ? 0 : Math.max(0, (now.getTime() - toDate(value).getTime()) / 1000));
    return { depth: Number(row?.depth ?? 0), oldestPendingAgeSeconds: ageOf(row?.oldest), oldestDueAgeSeconds: ageOf(row?.oldest_due) };
  }
}

/** Thrown when an id is not a UUID, before any query (PostgreSQL would refuse the cast). */
export function assertUuid(id: string, what: string): void {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw new AppError('not_found', { detail: `No such ${what}.` });
}
