import type { Migration } from '@coffer/db';
import { outboxMigration } from '@coffer/outbox';

/** The schema the user service owns. */
export const USERS_SCHEMA = 'users';
/** The table of profiles, inside {@link USERS_SCHEMA}. */
export const USERS_TABLE = 'users';
/** The unique index that keeps live emails unique case-insensitively. */
export const EMAIL_UNIQUE_INDEX = 'users_email_lower_key';

/**
 * The user service's schema, oldest first. Only ever append: a released migration never
 * changes. Plain SQL that PostgreSQL 15 (the server) and PGlite (embedded, a newer major version)
 * both accept; the repository contract suite runs it on both.
 */
export const userMigrations: readonly Migration[] = Object.freeze([
  {
    name: '0001_create_users',
    // Timestamps have millisecond precision (timestamptz(3)) so that a JavaScript Date holds
    // them exactly: the keyset page token carries created_at, and a value rounded on its way
    // through a Date would skip or repeat rows.
    //
    // Emails are unique among live accounts only, compared case-insensitively: the partial
    // unique index lets a deleted account's email sign up again during the grace period.
    // The length checks mirror profile-fields.ts as a last line of defence.
    up: (knex) =>
      knex.raw(`
        create table users (
          id uuid primary key,
          email text not null,
          display_name text not null,
          admin boolean not null default false,
          created_at timestamptz(3) not null,
          updated_at timestamptz(3) not null,
          deleted_at timestamptz(3),
          constraint users_email_length check (char_length(email) between 3 and 254),
          constraint users_display_name_length check (char_length(display_name) between 1 and 100)
        );
        create unique index ${EMAIL_UNIQUE_INDEX} on users (lower(email)) where deleted_at is null;
        create index users_created_at_id_idx on users (created_at, id);
        create index users_deleted_at_idx on users (deleted_at) where deleted_at is not null;
      `),
    // The indexes go with the table.
    down: (knex) => knex.raw('drop table users'),
  },
  // The transactional outbox (libs/outbox): user.* events are written in the transaction of
  // the change they describe, and the OutboxRelay publishes them.
  outboxMigration(USERS_SCHEMA, { name: '0002_create_outbox' }),
]);
