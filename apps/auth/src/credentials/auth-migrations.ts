import type { Migration } from '@coffer/db';
import { outboxMigration } from '@coffer/outbox';

/** The schema auth owns. Only ever append migrations. */
export const AUTH_SCHEMA = 'auth';

export const authMigrations: readonly Migration[] = [
  {
    name: '0001_credentials_and_refresh_tokens',
    up: async (knex) => {
      await knex.schema.withSchema(AUTH_SCHEMA).createTable('credentials', (table) => {
        table.uuid('user_id').primary();
        table.text('password_hash').notNullable();
        table.timestamp('password_changed_at', { useTz: true }).notNullable();
        table.timestamp('created_at', { useTz: true }).notNullable();
      });
      // One family per session: every refresh token a login leads to, so reuse revokes them all.
      await knex.schema.withSchema(AUTH_SCHEMA).createTable('refresh_families', (table) => {
        table.uuid('id').primary();
        table.uuid('user_id').notNullable().index();
        table.text('session_id').notNullable().index();
        table.timestamp('created_at', { useTz: true }).notNullable();
        table.timestamp('revoked_at', { useTz: true });
        table.text('revoked_reason');
      });
      // Only SHA-256 hashes of tokens are stored.
      await knex.schema.withSchema(AUTH_SCHEMA).createTable('refresh_tokens', (table) => {
        table.text('token_hash').primary();
        table.uuid('family_id').notNullable().references('id').inTable(`${AUTH_SCHEMA}.refresh_families`).onDelete('CASCADE').index();
        table.timestamp('issued_at', { useTz: true }).notNullable();
        table.timestamp('expires_at', { useTz: true }).notNullable();
        table.timestamp('used_at', { useTz: true });
      });
    },
    // Newest first: refresh_tokens references refresh_families.
    down: async (knex) => {
      await knex.schema.withSchema(AUTH_SCHEMA).dropTable('refresh_tokens');
      await knex.schema.withSchema(AUTH_SCHEMA).dropTable('refresh_families');
      await knex.schema.withSchema(AUTH_SCHEMA).dropTable('credentials');
    },
  },
  // The transactional outbox (libs/outbox): auth.* events are written in the transaction of the
  // change they describe (credentials, refresh families), and the OutboxRelay publishes them.
  outboxMigration(AUTH_SCHEMA, { name: '0002_create_outbox' }),
];
