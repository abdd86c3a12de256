import type { Migration } from '@coffer/db';
import { outboxMigration } from '@coffer/outbox';

/** The schema the webhook service owns. */
export const WEBHOOK_SCHEMA = 'webhooks';

/**
 * The webhook service's schema, oldest first. Only ever append. Plain SQL that PostgreSQL 15
 * and PGlite both accept; the repository contract suite runs it on both.
 *
 * `deliveries` is the delivery outbox: a row is written when an event matches a subscription
 * (in the transaction that takes the event) and the dispatch workers send it; its id is the
 * `webhook-id` header, kept across every retry and replay. Secrets are stored sealed
 * (AES-256-GCM under the service's key ring, libs/integrity SecretSealer), never in clear.
 */
export const webhookMigrations: readonly Migration[] = Object.freeze([
  {
    name: '0001_create_subscriptions_and_deliveries',
    up: (knex) =>
      knex.raw(`
        create table subscriptions (
          id uuid primary key,
          owner_id uuid not null,
          url text not null,
          event_types text not null,
          description text not null default '',
          enabled boolean not null default true,
          disabled_reason text,
          sealed_secret text not null,
          sealed_previous_secret text,
          previous_secret_expires_at timestamptz(3),
          failing_since timestamptz(3),
          created_at timestamptz(3) not null,
          updated_at timestamptz(3) not null,
          constraint subscriptions_url_length check (char_length(url) between 1 and 2048),
          constraint subscriptions_disabled_reason check (disabled_reason in ('owner', 'gone', 'failing'))
        );
        create index subscriptions_owner_idx on subscriptions (owner_id, created_at);

        create table deliveries (
          id text primary key,
          subscription_id uuid not null references subscriptions (id) on delete cascade,
          event_id text not null,
          event_type text not null,
          payload text not null,
          status text not null default 'pending',
          attempts integer not null default 0,
          next_attempt_at timestamptz(3) not null,
          last_status_code integer,
          last_error text,
          created_at timestamptz(3) not null,
          completed_at timestamptz(3),
          constraint deliveries_status check (status in ('pending', 'succeeded', 'dead')),
          constraint deliveries_event_once unique (subscription_id, event_id)
        );
        create index deliveries_due_idx on deliveries (next_attempt_at) where status = 'pending';
        create index deliveries_subscription_idx on deliveries (subscription_id, created_at desc, id desc);
      `),
    // Reverse order (deliveries references subscriptions); indexes go with their tables.
    down: (knex) =>
      knex.raw(`
        drop table deliveries;
        drop table subscriptions;
      `),
  },
  // webhook.endpoint_disabled events are written in the transaction that disables the endpoint.
  outboxMigration(WEBHOOK_SCHEMA, { name: '0002_create_outbox' }),
]);
