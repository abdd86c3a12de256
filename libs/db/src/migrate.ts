import type { Knex } from 'knex';
import { assertSqlIdentifier, type Database } from './create-database.js';
import { translateDbError } from './db-error.js';

/**
 * One step of a service's schema, defined in code and never changed once released. `up` runs
 * inside the migration transaction with `search_path` set to the service's schema (then
 * `public`), so unqualified names land in that schema. Raw multi-statement SQL is fine:
 * `up: (knex) => knex.raw('create table …; create index …')`.
 */
export interface Migration {
  /** `NNNN_what_it_does`, e.g. `0001_create_users`; names must be strictly ascending. */
  readonly name: string;
  up(knex: Knex.Transaction): PromiseLike<unknown>;
  /**
   * Exactly reverses `up` (drops what it created, newest first), for {@link rollback}. Runs
   * under the same transaction and `search_path` as `up`. Optional: {@link rollback} refuses
   * to revert a migration without one. Data that `up` never created is not restored, so a
   * `down` that drops a table loses its rows: it is a development and recovery tool.
   */
  down?(knex: Knex.Transaction): PromiseLike<unknown>;
}

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** The schema the service owns, created when missing: `users`, `auth`, … */
  readonly schema: string;
  /** Every migration of the schema, oldest first. Only ever append to this list. */
  readonly migrations: readonly Migration[];
  /** How long to wait while another process migrates the same schema, in ms. Default 60 000. */
  readonly lockWaitMs?: number;
}

/** What {@link migrate} did. */
export interface MigrationResult {
  readonly schema: string;
  /** Applied by this call, in order. Empty when the schema was up to date. */
  readonly applied: readonly string[];
  /** Already recorded before this call. */
  readonly alreadyApplied: readonly string[];
}

/** Options of {@link rollback}. */
export interface RollbackOptions {
  /** The schema the service owns. */
  readonly schema: string;
  /** Every migration of the schema, oldest first (the same list {@link migrate} takes). */
  readonly migrations: readonly Migration[];
  /**
   * How many of the most recently applied migrations to revert, newest first. Default 1; more
   * than are applied reverts them all.
   */
  readonly steps?: number;
  /** How long to wait while another process migrates the same schema, in ms. Default 60 000. */
  readonly lockWaitMs?: number;
}

/** What {@link rollback} did. */
export interface RollbackResult {
  readonly schema: string;
  /** Reverted by this call, newest first. Empty when nothing was applied. */
  readonly reverted: readonly string[];
  /** Still applied after this call, oldest first. */
  readonly remaining: readonly string[];
}

/** Where a schema stands against a migration list, as {@link migrationStatus} returns it. */
export interface MigrationStatus {
  readonly schema: string;
  /** Recorded in the database, oldest first. */
  readonly applied: readonly AppliedMigration[];
  /** Defined but not recorded, in the order {@link migrate} would apply them. */
  readonly pending: readonly string[];
  /** Recorded but not defined by this list (a newer build migrated the schema). */
  readonly unknown: readonly string[];
}

/** A recorded migration, as {@link listAppliedMigrations} returns it. */
export interface AppliedMigration {
  readonly name: string;
  readonly appliedAt: Date;
}

/** Migrating failed; nothing of this run was kept. Meant for start-up logs, not for clients. */
export class MigrationError extends Error {
  constructor(
    message: string,
    readonly schema: string,
    /** The migration that failed, when one did (not for lock or validation failures). */
    readonly migration: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/** The table, inside the service's schema, that records applied migrations. */
export const MIGRATIONS_TABLE = 'schema_migrations';

/** First key of the advisory lock (ASCII "COFF"); the second is a hash of the schema name. */
const ADVISORY_LOCK_CLASS = 0x434f4646;
const DEFAULT_LOCK_WAIT_MS = 60_000;
const MIGRATION_NAME = /^\d{4}_[a-z][a-z0-9_]*$/;

/**
 * Brings `schema` up to date: creates it when missing and applies, in order, the migrations
 * not yet recorded in `<schema>.schema_migrations`. Everything happens in one transaction
 * (PostgreSQL DDL is transactional): either all pending migrations are applied and recorded,
 * or none is. The transaction first takes a transaction-scoped advisory lock for the schema
 * (`pg_advisory_xact_lock`), so when several instances start at once, one migrates and the
 * others wait, then find nothing left to do. Running it again applies nothing.
 *
 * Refuses (MigrationError, nothing changed) when the database records a migration this build
 * does not define, or when a pending migration sorts before an applied one.
 */
export async function migrate(db: Database, options: MigrateOptions): Promise<MigrationResult> {
  const { schema, migrations } = options;
  assertSqlIdentifier(schema, 'schema');
  validateMigrationList(schema, migrations);
  const lockWaitMs = lockWaitOption(options.lockWaitMs);

  let running: string | undefined;
  try {
    return await db.knex.transaction(async (trx) => {
      const alreadyApplied = await lockSchema(trx, schema, lockWaitMs, true);
      const pending = planMigrations(schema, migrations, alreadyApplied);
      for (const migration of pending) {
        running = migration.name;
        await migration.up(trx);
        await trx.withSchema(schema).table(MIGRATIONS_TABLE).insert({ name: migration.name });
      }
      running = undefined;
      return Object.freeze({
        schema,
        applied: Object.freeze(pending.map((migration) => migration.name)),
        alreadyApplied: Object.freeze(alreadyApplied),
      });
    });
  } catch (error) {
    if (error instanceof MigrationError) throw error;
    const translated = translateDbError(error);
    const what =
      running === undefined
        ? `Migrating schema "${schema}" failed (${translated.code})`
        : `Migration ${running} of schema "${schema}" failed (${translated.code})`;
    throw new MigrationError(`${what}; nothing of this run was applied`, schema, running, { cause: error });
  }
}

/**
 * Reverts the last `steps` applied migrations of `schema`, newest first, running each one's
 * `down` and removing its row from `<schema>.schema_migrations`. The same discipline as
 * {@link migrate}: one transaction under the schema's advisory lock, so either every requested
 * step is reverted or none is. The schema and its migrations table stay, even at zero.
 *
 * Refuses (MigrationError, nothing changed) when the database records a migration this list
 * does not define, when the recorded migrations are not a prefix of the list, or when a
 * migration to revert has no `down`.
 */
export async function rollback(db: Database, options: RollbackOptions): Promise<RollbackResult> {
  const { schema, migrations } = options;
  assertSqlIdentifier(schema, 'schema');
  validateMigrationList(schema, migrations);
  const lockWaitMs = lockWaitOption(options.lockWaitMs);
  const steps = options.steps ?? 1;
  if (!Number.isSafeInteger(steps) || steps <= 0) {
    throw new RangeError(`steps must be a positive whole number (got ${steps})`);
  }

  let running: string | undefined;
  try {
    return await db.knex.transaction(async (trx) => {
      const applied = await lockSchema(trx, schema, lockWaitMs, false);
      // Same consistency checks as migrate: unknown names or gaps refuse before anything runs.
      planMigrations(schema, migrations, applied);
      const byName = new Map(migrations.map((migration) => [migration.name, migration]));
      const toRevert = planRollback(schema, byName, applied, steps);
      for (const migration of toRevert) {
        running = migration.name;
        await revert(migration, trx);
        await trx.withSchema(schema).table(MIGRATIONS_TABLE).where({ name: migration.name }).delete();
      }
      running = undefined;
      const reverted = toRevert.map((migration) => migration.name);
      return Object.freeze({
        schema,
        reverted: Object.freeze(reverted),
        remaining: Object.freeze(applied.slice(0, applied.length - reverted.length)),
      });
    });
  } catch (error) {
    if (error instanceof MigrationError) throw error;
    const translated = translateDbError(error);
    const what =
      running === undefined
        ? `Rolling back schema "${schema}" failed (${translated.code})`
        : `Reverting migration ${running} of schema "${schema}" failed (${translated.code})`;
    throw new MigrationError(`${what}; nothing of this run was reverted`, schema, running, { cause: error });
  }
}

/**
 * The migrations to revert, newest first: the last `steps` of `applied` (sorted oldest first).
 * Throws MigrationError when one of them has no `down`, so nothing runs.
 */
export function planRollback(schema: string, migrations: ReadonlyMap<string, Migration>, applied: readonly string[], steps: number): Migration[] {
  const names = [...applied].sort().reverse().slice(0, steps);
  return names.map((name) => {
    const migration = migrations.get(name);
    if (migration === undefined) {
      throw new MigrationError(`Schema "${schema}" records migration ${name}, which this build does not define: cannot revert it`, schema, name);
    }
    if (migration.down === undefined) {
      throw new MigrationError(`Migration ${name} of schema "${schema}" has no down: cannot revert it`, schema, name);
    }
    return migration;
  });
}

async function revert(migration: Migration, trx: Knex.Transaction): Promise<void> {
  // planRollback only returns migrations with a down.
  if (migration.down !== undefined) await migration.down(trx);
}

/**
 * Where `schema` stands against `migrations`: applied, pending and unknown names. Reads only;
 * creates nothing and takes no lock. A schema never migrated has everything pending.
 */
export async function migrationStatus(db: Database, options: Pick<MigrateOptions, 'schema' | 'migrations'>): Promise<MigrationStatus> {
  const { schema, migrations } = options;
  validateMigrationList(schema, migrations);
  const applied = await listAppliedMigrations(db, schema);
  const appliedNames = new Set(applied.map((migration) => migration.name));
  const defined = new Set(migrations.map((migration) => migration.name));
  return Object.freeze({
    schema,
    applied: Object.freeze(applied),
    pending: Object.freeze(migrations.filter((migration) => !appliedNames.has(migration.name)).map((migration) => migration.name)),
    unknown: Object.freeze(applied.filter((migration) => !defined.has(migration.name)).map((migration) => migration.name)),
  });
}

/** The migrations recorded in `schema`, oldest first; empty when it was never migrated. */
export async function listAppliedMigrations(db: Database, schema: string): Promise<AppliedMigration[]> {
  assertSqlIdentifier(schema, 'schema');
  try {
    if (!(await migrationsTableExists(db.knex, schema))) return [];
    const recorded = await db.knex.raw<{ rows: { name: string; applied_at: Date }[] }>(
      'select name, applied_at from ??.?? order by name collate "C"',
      [schema, MIGRATIONS_TABLE],
    );
    return recorded.rows.map((row) => ({ name: row.name, appliedAt: row.applied_at }));
  } catch (error) {
    throw translateDbError(error);
  }
}

/**
 * Checks a migration list before anything runs: names follow `NNNN_snake_case` and are
 * strictly ascending (which also makes them unique), so "oldest first" cannot silently break.
 */
export function validateMigrationList(schema: string, migrations: readonly Migration[]): void {
  let previous: string | undefined;
  for (const migration of migrations) {
    if (!MIGRATION_NAME.test(migration.name)) {
      throw new MigrationError(
        `Migration name ${JSON.stringify(migration.name)} of schema "${schema}" must look like 0001_create_users`,
        schema,
        migration.name,
      );
    }
    if (previous !== undefined && migration.name <= previous) {
      throw new MigrationError(
        `Migrations of schema "${schema}" must be listed in strictly ascending order: ${migration.name} comes after ${previous}`,
        schema,
        migration.name,
      );
    }
    previous = migration.name;
  }
}

/**
 * The migrations still to apply, given the names recorded in the database. Applied
 * migrations must be exactly a prefix of the defined list: an unknown recorded name means a
 * newer build migrated this schema; a gap means someone inserted a migration in the middle.
 */
export function planMigrations(schema: string, migrations: readonly Migration[], applied: readonly string[]): Migration[] {
  const defined = new Set(migrations.map((migration) => migration.name));
  const unknown = applied.filter((name) => !defined.has(name));
  if (unknown.length > 0) {
    throw new MigrationError(
      `Schema "${schema}" records migrations this build does not define: ${unknown.join(', ')} (was it migrated by a newer version?)`,
      schema,
      undefined,
    );
  }
  const appliedSet = new Set(applied);
  const pending = migrations.filter((migration) => !appliedSet.has(migration.name));
  const lastApplied = [...applied].sort().at(-1);
  const early = lastApplied === undefined ? undefined : pending.find((migration) => migration.name < lastApplied);
  if (early !== undefined && lastApplied !== undefined) {
    throw new MigrationError(
      `Migration ${early.name} of schema "${schema}" is not applied, but the later ${lastApplied} is: only append new migrations`,
      schema,
      early.name,
    );
  }
  return pending;
}

/**
 * The start of every migrate and rollback transaction: takes the schema's advisory lock
 * (waiting at most `lockWaitMs`), creates the schema and its migrations table when missing
 * (`create`; otherwise returns no names when they are missing), points `search_path` at the schema, and returns the recorded names, oldest first.
 */
async function lockSchema(trx: Knex.Transaction, schema: string, lockWaitMs: number, create: boolean): Promise<string[]> {
  // Migrations may outlast a request's statement_timeout; only the lock wait is bounded.
  await trx.raw('set local statement_timeout = 0');
  await trx.raw(`set local lock_timeout = ${lockWaitMs}`);
  await trx.raw('select pg_advisory_xact_lock(?, ?)', [ADVISORY_LOCK_CLASS, schemaLockKey(schema)]);
  await trx.raw('set local lock_timeout = 0');
  if (create) {
    await trx.raw('create schema if not exists ??', [schema]);
    await trx.raw('create table if not exists ??.?? (name text primary key, applied_at timestamptz not null default now())', [
      schema,
      MIGRATIONS_TABLE,
    ]);
  } else if (!(await migrationsTableExists(trx, schema))) {
    // Rolling back a schema never migrated: nothing to do, and nothing is created.
    return [];
  }
  await trx.raw('set local search_path to ??, public', [schema]);
  const recorded = await trx.raw<{ rows: { name: string }[] }>('select name from ??.?? order by name collate "C"', [schema, MIGRATIONS_TABLE]);
  return recorded.rows.map((row) => row.name);
}

async function migrationsTableExists(knex: Knex, schema: string): Promise<boolean> {
  const exists = await knex.raw<{ rows: { found: boolean }[] }>(
    'select exists (select 1 from information_schema.tables where table_schema = ? and table_name = ?) as found',
    [schema, MIGRATIONS_TABLE],
  );
  return exists.rows[0]?.found === true;
}

function lockWaitOption(value: number | undefined): number {
  const lockWaitMs = value ?? DEFAULT_LOCK_WAIT_MS;
  if (!Number.isSafeInteger(lockWaitMs) || lockWaitMs <= 0) {
    throw new RangeError(`lockWaitMs must be a positive whole number of ms (got ${lockWaitMs})`);
  }
  return lockWaitMs;
}

/** A signed 32-bit FNV-1a hash of the schema name: the advisory lock's second key. */
export function schemaLockKey(schema: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(schema, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}
