import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import type { ReadinessCheck } from '@coffer/platform';
import createKnex, { type Knex } from 'knex';
import { parseDatabaseUrl, redactDatabaseUrl, type DatabaseEngine } from './database-url.js';
import { translateDbError } from './db-error.js';
import { pgliteKnexClient } from './pglite-knex-client.js';
import { PostgresKnexClient } from './postgres-knex-client.js';
import { pgClientTypes, pgliteResultParsers } from './result-types.js';

/** An open database: a knex instance plus what the platform needs around it. */
export interface Database {
  readonly engine: DatabaseEngine;
  /**
   * Build queries with this; run them through `withTransaction` or `runQuery` so errors arrive
   * as AppErrors. Result values follow one mapping on both engines (see `result-types.ts`).
   */
  readonly knex: Knex;
  /**
   * How many transactions can be open at the same time: the pool size on PostgreSQL, 1 on
   * PGlite (one embedded backend; a second transaction waits until the first ends).
   */
  readonly maxConnections: number;
  /** The URL without its password, for logs. */
  readonly displayUrl: string;
  /** Runs `SELECT 1`; rejects with a translated AppError (`unavailable`, …) when it fails. */
  ping(): Promise<void>;
  /** Releases the pool, or shuts the embedded database down. Safe to call twice. */
  close(): Promise<void>;
}

/** Options of {@link createDatabase}. Those marked "PostgreSQL" are ignored for PGlite. */
export interface CreateDatabaseOptions {
  /**
   * Schemas searched for unqualified names, in order, e.g. `['users']` for a service that owns
   * the `users` schema. Default: the server's (`"$user", public`).
   */
  readonly searchPath?: readonly string[];
  /** PostgreSQL: pool size. Default `{ min: 0, max: 10, idleTimeoutMs: 30_000 }`. */
  readonly pool?: { readonly min?: number; readonly max?: number; readonly idleTimeoutMs?: number };
  /**
   * PostgreSQL: `statement_timeout` of every session, in ms; 0 turns it off. Default 30 000.
   * (PGlite cannot interrupt a running statement: WASM has no timer signals.)
   */
  readonly statementTimeoutMs?: number;
  /** PostgreSQL: how long opening a connection may take, in ms. Default 5 000. */
  readonly connectTimeoutMs?: number;
  /** How long a query waits for a free connection before failing `unavailable`, in ms. Default 10 000. */
  readonly acquireTimeoutMs?: number;
  /** PostgreSQL: `application_name`, shown in pg_stat_activity. Default `coffer`. */
  readonly applicationName?: string;
}

const DEFAULTS = Object.freeze({
  poolMin: 0,
  poolMax: 10,
  idleTimeoutMs: 30_000,
  statementTimeoutMs: 30_000,
  connectTimeoutMs: 5_000,
  acquireTimeoutMs: 10_000,
  applicationName: 'coffer',
});

/**
 * Opens a database from a URL (see `parseDatabaseUrl`): `postgres://…` gives knex with the pg
 * driver and a pool; `pglite://memory` or `pglite:///absolute/dir` gives knex on an embedded
 * PGlite. Every session runs with `TimeZone=UTC`. A PostgreSQL server is not contacted until
 * the first query, so a service can start (and report not-ready) while it is down; PGlite
 * starts here, and a bad data folder fails here.
 */
export async function createDatabase(url: string, options: CreateDatabaseOptions = {}): Promise<Database> {
  const target = parseDatabaseUrl(url);
  const searchPath = options.searchPath === undefined ? undefined : [...options.searchPath];
  for (const schema of searchPath ?? []) assertSqlIdentifier(schema, 'searchPath entry');
  const acquireConnectionTimeout = options.acquireTimeoutMs ?? DEFAULTS.acquireTimeoutMs;
  const displayUrl = redactDatabaseUrl(url);

  if (target.engine === 'postgres') {
    const max = options.pool?.max ?? DEFAULTS.poolMax;
    const knex = createKnex({
      client: PostgresKnexClient,
      connection: {
        connectionString: target.connectionString,
        statement_timeout: options.statementTimeoutMs ?? DEFAULTS.statementTimeoutMs,
        connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
        application_name: options.applicationName ?? DEFAULTS.applicationName,
        options: '-c TimeZone=UTC',
        keepAlive: true,
        types: pgClientTypes(),
      },
      pool: {
        min: options.pool?.min ?? DEFAULTS.poolMin,
        max,
        idleTimeoutMillis: options.pool?.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs,
      },
      acquireConnectionTimeout,
      ...(searchPath === undefined ? {} : { searchPath }),
    });
    return openedDatabase('postgres', knex, max, displayUrl, () => knex.destroy());
  }

  // PGlite creates the data folder itself, but not missing parents.
  if (target.dataDir !== undefined) await mkdir(target.dataDir, { recursive: true });
  const pglite = await PGlite.create({
    ...(target.dataDir === undefined ? {} : { dataDir: target.dataDir }),
    parsers: pgliteResultParsers(),
  });
  try {
    await pglite.exec("set time zone 'UTC'");
  } catch (error) {
    await pglite.close();
    throw error;
  }
  const knex = createKnex({
    client: pgliteKnexClient(pglite),
    acquireConnectionTimeout,
    ...(searchPath === undefined ? {} : { searchPath }),
  });
  return openedDatabase('pglite', knex, 1, displayUrl, async () => {
    await knex.destroy();
    if (!pglite.closed) await pglite.close();
  });
}

/** A readiness check for the platform's `Readiness`: passes while `SELECT 1` answers. */
export function databaseReadinessCheck(db: Database): ReadinessCheck {
  return () => db.ping();
}

function openedDatabase(
  engine: DatabaseEngine,
  knex: Knex,
  maxConnections: number,
  displayUrl: string,
  release: () => Promise<void>,
): Database {
  let closing: Promise<void> | undefined;
  return Object.freeze({
    engine,
    knex,
    maxConnections,
    displayUrl,
    async ping(): Promise<void> {
      try {
        await knex.raw('select 1');
      } catch (error) {
        throw translateDbError(error);
      }
    },
    close(): Promise<void> {
      closing ??= release();
      return closing;
    },
  });
}

/**
 * Schema names are put into SQL as quoted identifiers; accept only plain lower-case ones so
 * no quoting rule can be got wrong (and names match what `psql` shows without quotes).
 */
export function assertSqlIdentifier(name: string, what: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`${what} must be a lower-case SQL identifier of at most 63 characters (got ${JSON.stringify(name)})`);
  }
}
