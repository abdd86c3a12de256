import type { Migration } from '@coffer/db';
import { outboxMigration } from '@coffer/outbox';

/** The schema the policy service owns. */
export const POLICY_SCHEMA = 'policy';
/** Shares of a file with one user. Revoked rows stay (with revoked_at) for the audit. */
export const GRANTS_TABLE = 'grants';
/** Policy statements (administrators). */
export const STATEMENTS_TABLE = 'statements';
/** Share links; only their ids are stored, never the tokens. */
export const LINKS_TABLE = 'links';
/** At most one unrevoked grant per grantee and resource (a new grant replaces the old one). */
export const GRANT_UNIQUE_INDEX = 'grants_resource_grantee_unrevoked_key';

/**
 * The policy service's schema, oldest first. Only ever append. Plain SQL that PostgreSQL 15 and
 * PGlite both accept; the repository contract suite runs it on both.
 */
export const policyMigrations: readonly Migration[] = Object.freeze([
  {
    name: '0001_create_grants_statements_links',
    // Timestamps are timestamptz(3) so a JavaScript Date holds them exactly.
    up: (knex) =>
      knex.raw(`
        create table grants (
          id uuid primary key,
          resource text not null,
          grantee_id uuid not null,
          permission text not null,
          created_by uuid not null,
          created_at timestamptz(3) not null,
          expires_at timestamptz(3),
          revoked_at timestamptz(3),
          revoked_by uuid,
          constraint grants_permission check (permission in ('read', 'read-write')),
          constraint grants_resource check (resource like 'file/%')
        );
        create unique index ${GRANT_UNIQUE_INDEX} on grants (resource, grantee_id) where revoked_at is null;
        create index grants_grantee_idx on grants (grantee_id, resource) where revoked_at is null;

        create table statements (
          id text primary key,
          effect text not null,
          principals jsonb not null,
          actions jsonb not null,
          resources jsonb not null,
          not_before timestamptz(3),
          not_after timestamptz(3),
          description text not null default '',
          created_by text not null,
          created_at timestamptz(3) not null,
          constraint statements_effect check (effect in ('allow', 'deny')),
          constraint statements_window check (not_before is null or not_after is null or not_before < not_after)
        );

        create table links (
          id uuid primary key,
          resource text not null,
          version integer not null,
          created_by uuid not null,
          created_at timestamptz(3) not null,
          expires_at timestamptz(3) not null,
          revoked_at timestamptz(3),
          revoked_by uuid,
          constraint links_version check (version >= 0),
          constraint links_resource check (resource like 'file/%')
        );
        create index links_resource_idx on links (resource) where revoked_at is null;
      `),
    // Reverse order; indexes go with their tables.
    down: (knex) =>
      knex.raw(`
        drop table links;
        drop table statements;
        drop table grants;
      `),
  },
  outboxMigration(POLICY_SCHEMA, { name: '0002_create_outbox' }),
]);
