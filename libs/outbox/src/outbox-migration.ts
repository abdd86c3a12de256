import type { Migration } from '@coffer/db';
import { assertOutboxSchema } from './outbox-table.js';

/** Options of {@link outboxMigration}. */
export interface OutboxMigrationOptions {
  /**
   * The migration's name in the service's list (`NNNN_snake_case`, ascending with the
   * service's own migrations). Default `0001_create_outbox`.
   */
  readonly name?: string;
}

/**
 * The migration that creates `<schema>.outbox` (and, reverted, drops it), to append to the producing service's own
 * migration list (`migrate(db, { schema, migrations: [...own, outboxMigration(schema)] })`).
 *
 * `event_id` is text, not uuid: a CloudEvent id is any string of up to 200 characters, and the
 * outbox must accept every valid event. `payload` is jsonb so operators can query it.
 */
export function outboxMigration(schema: string, options: OutboxMigrationOptions = {}): Migration {
  assertOutboxSchema(schema);
  const migration: Migration = {
    name: options.name ?? '0001_create_outbox',
    up: (knex) =>
      knex.raw(
        `create table ??.outbox (
           id bigserial primary key,
           event_id text not null unique,
           topic text not null,
           event_key text not null,
           payload jsonb not null,
           created_at timestamptz not null default now(),
           available_at timestamptz not null default now(),
           published_at timestamptz,
           attempts integer not null default 0,
           last_error text
         );
         -- The relay's claim: unpublished rows in id order.
         create index outbox_pending_idx on ??.outbox (id) where published_at is null;
         -- The relay's per-key check for an earlier row of the same key still waiting.
         create index outbox_pending_key_idx on ??.outbox (event_key, id) where published_at is null;`,
        [schema, schema, schema],
      ),
    // Its indexes and the id sequence go with the table.
    down: (knex) => knex.raw('drop table ??.outbox', [schema]),
  };
  return Object.freeze(migration);
}
