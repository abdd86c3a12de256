import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { AppError } from '@coffer/platform';
import { GENESIS_HASH, type AuditOutcome, type AuditRow } from '../chain/audit-record.js';
import type { AuditPageRequest, AuditQuery, AuditStore, ChainHead } from './audit-store.js';

/** The rows' table. */
export const CLICKHOUSE_EVENTS_TABLE = 'audit_events';
/** The store's own record of applied migrations (ClickHouse has no knex). */
export const CLICKHOUSE_MIGRATIONS_TABLE = 'schema_migrations';

/** A ClickHouse migration: statements run in order; recorded once all succeeded. */
export interface ClickHouseMigration {
  readonly name: string;
  readonly statements: readonly string[];
}

/**
 * The ClickHouse schema, oldest first; only ever append. Plain SQL that ClickHouse 18.16 and
 * current releases both accept: no DateTime64, TTL, LowCardinality or Nullable; the event time
 * is a DateTime plus a millisecond column. ReplacingMergeTree ordered by id merges copies of
 * one event (the same event written twice by a retried insert); queries also deduplicate
 * (`LIMIT 1 BY id`), because merges happen whenever ClickHouse gets to them.
 */
export const clickHouseMigrations: readonly ClickHouseMigration[] = Object.freeze([
  {
    name: '0001_create_audit_events',
    statements: [
      `CREATE TABLE IF NOT EXISTS ${CLICKHOUSE_EVENTS_TABLE} (
        id String,
        seq UInt64,
        type String,
        source String,
        actor_id String,
        subject String,
        owner_id String,
        action String,
        outcome String,
        time DateTime,
        time_ms UInt64,
        traceparent String,
        data_json String,
        prev_hash String,
        hash String,
        ingested_at DateTime,
        ingested_at_ms UInt64
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(time)
      ORDER BY id`,
    ],
  },
]);

/** Where the store connects: an HTTP URL of the server and a database name. */
export interface ClickHouseAuditStoreOptions {
  /** `http(s)://host:port` (credentials in the URL are accepted). */
  readonly url: string;
  readonly database: string;
  /** Per-request timeout. Default 30 s. */
  readonly requestTimeoutMs?: number;
}

/**
 * `clickhouse://host:8123/db`, `http://host:8123?database=db` (or `…/db`) → the HTTP URL and
 * the database (default `coffer_audit`). Throws `invalid_argument` without repeating the URL.
 */
export function parseClickHouseUrl(text: string): { readonly url: string; readonly database: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AppError('invalid_argument', { detail: 'The ClickHouse URL is not a URL.' });
  }
  const protocol = url.protocol === 'clickhouse:' ? 'http:' : url.protocol === 'clickhouses:' ? 'https:' : url.protocol;
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new AppError('invalid_argument', { detail: 'The ClickHouse URL must start with clickhouse://, http:// or https://.' });
  }
  const database = url.searchParams.get('database') ?? (url.pathname.replace(/^\/+|\/+$/g, '') || 'coffer_audit');
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(database)) {
    throw new AppError('invalid_argument', { detail: 'The ClickHouse database name must be letters, digits and _.' });
  }
  const auth = url.username === '' ? '' : `${url.username}${url.password === '' ? '' : `:${url.password}`}@`;
  return { url: `${protocol}//${auth}${url.host}`, database };
}

/** A ClickHouse string literal: every value interpolated into SQL goes through here. */
export function clickHouseString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function clickHouseUInt(value: number, what: string): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new AppError('invalid_argument', { detail: `${what} must be a whole number >= 0.` });
  return String(value);
}

interface ClickHouseRow {
  id: string;
  seq: string | number;
  type: string;
  source: string;
  actor_id: string;
  subject: string;
  owner_id: string;
  action: string;
  outcome: string;
  time_ms: string | number;
  traceparent: string;
  data_json: string;
  prev_hash: string;
  hash: string;
  ingested_at_ms: string | number;
}

const SELECT_COLUMNS = 'id, seq, type, source, actor_id, subject, owner_id, action, outcome, time_ms, traceparent, data_json, prev_hash, hash, ingested_at_ms';

/**
 * The production audit store on ClickHouse over HTTP (@clickhouse/client). ClickHouse 18.16 has
 * no query parameters, so every value in SQL is validated (numbers) or escaped
 * ({@link clickHouseString}).
 */
export class ClickHouseAuditStore implements AuditStore {
  readonly kind = 'clickhouse' as const;
  readonly #client: ClickHouseClient;
  readonly #admin: ClickHouseClient;
  readonly #database: string;

  constructor(options: ClickHouseAuditStoreOptions) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(options.database)) {
      throw new AppError('invalid_argument', { detail: 'The ClickHouse database name must be letters, digits and _.' });
    }
    this.#database = options.database;
    const requestTimeout = options.requestTimeoutMs ?? 30_000;
    this.#client = createClient({ url: options.url, database: options.database, request_timeout: requestTimeout });
    // The database may not exist yet: migrations create it through a client bound to `default`.
    this.#admin = createClient({ url: options.url, request_timeout: requestTimeout });
  }

  /** The database this store writes to. */
  get database(): string {
    return this.#database;
  }

  async migrate(): Promise<readonly string[]> {
    await this.#admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${this.#database}` });
    await this.#client.command({
      query: `CREATE TABLE IF NOT EXISTS ${CLICKHOUSE_MIGRATIONS_TABLE} (name String, applied_at DateTime) ENGINE = MergeTree ORDER BY name`,
    });
    const applied = new Set((await this.#select<{ name: string }>(`SELECT name FROM ${CLICKHOUSE_MIGRATIONS_TABLE}`)).map((row) => row.name));
    const names: string[] = [];
    for (const migration of clickHouseMigrations) {
      if (applied.has(migration.name)) continue;
      // Each statement is idempotent (IF NOT EXISTS), so a crash before the record is written
      // is repaired by running the migration again.
      for (const statement of migration.statements) await this.#client.command({ query: statement });
      await this.#client.insert({
        table: CLICKHOUSE_MIGRATIONS_TABLE,
        values: [{ name: migration.name, applied_at: Math.floor(Date.now() / 1000) }],
        format: 'JSONEachRow',
      });
      names.push(migration.name);
    }
    return names;
  }

  async ping(): Promise<void> {
    const result = await this.#client.ping();
    if (!result.success) throw new AppError('unavailable', { detail: 'ClickHouse does not answer.', retryAfterSeconds: 5, cause: result.error });
  }

  async chainHead(): Promise<ChainHead> {
    const [row] = await this.#select<{ seq: string; hash: string }>(`SELECT seq, hash FROM ${CLICKHOUSE_EVENTS_TABLE} ORDER BY seq DESC LIMIT 1`);
    return row === undefined ? { seq: 0, hash: GENESIS_HASH } : { seq: Number(row.seq), hash: row.hash };
  }

  async existingIds(ids: readonly string[]): Promise<ReadonlySet<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.#select<{ id: string }>(
      `SELECT DISTINCT id FROM ${CLICKHOUSE_EVENTS_TABLE} WHERE id IN (${ids.map((id) => clickHouseString(id)).join(', ')})`,
    );
    return new Set(rows.map((row) => row.id));
  }

  async append(rows: readonly AuditRow[]): Promise<void> {
    if (rows.length === 0) return;
    // One INSERT is one block: it is written whole or not at all (below max_insert_block_size).
    await this.#client.insert({
      table: CLICKHOUSE_EVENTS_TABLE,
      format: 'JSONEachRow',
      values: rows.map((row) => ({
        id: row.id,
        seq: row.seq,
        type: row.type,
        source: row.source,
        actor_id: row.actorId,
        subject: row.subject,
        owner_id: row.ownerId,
        action: row.action,
        outcome: row.outcome,
        // DateTime from a unix timestamp: no server time zone involved.
        time: Math.floor(row.timeMs / 1000),
        time_ms: row.timeMs,
        traceparent: row.traceparent,
        data_json: row.dataJson,
        prev_hash: row.prevHash,
        hash: row.hash,
        ingested_at: Math.floor(row.ingestedAtMs / 1000),
        ingested_at_ms: row.ingestedAtMs,
      })),
    });
  }

  async query(query: AuditQuery, page: AuditPageRequest): Promise<AuditRow[]> {
    const conditions: string[] = [];
    if (!query.requesterAdmin) {
      const me = clickHouseString(query.requesterId);
      conditions.push(`(actor_id = ${me} OR owner_id = ${me} OR subject = ${me})`);
    }
    if (query.actorId !== undefined) conditions.push(`actor_id = ${clickHouseString(query.actorId)}`);
    if (query.subject !== undefined) conditions.push(`subject = ${clickHouseString(query.subject)}`);
    if (query.action !== undefined) conditions.push(`action = ${clickHouseString(query.action)}`);
    if (query.outcome !== undefined) conditions.push(`outcome = ${clickHouseString(query.outcome)}`);
    if (query.fromMs !== undefined) conditions.push(`time_ms >= ${clickHouseUInt(query.fromMs, 'from')}`);
    if (query.toMs !== undefined) conditions.push(`time_ms < ${clickHouseUInt(query.toMs, 'to')}`);
    if (page.beforeSeq !== undefined) conditions.push(`seq < ${clickHouseUInt(page.beforeSeq, 'page start')}`);
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    const rows = await this.#select<ClickHouseRow>(
      `SELECT ${SELECT_COLUMNS} FROM ${CLICKHOUSE_EVENTS_TABLE} ${where} ORDER BY seq DESC LIMIT 1 BY id LIMIT ${clickHouseUInt(page.limit, 'limit')}`,
    );
    return rows.map(toAuditRow);
  }

  async scanChain(afterSeq: number, toSeq: number): Promise<AuditRow[]> {
    const rows = await this.#select<ClickHouseRow>(
      `SELECT ${SELECT_COLUMNS} FROM ${CLICKHOUSE_EVENTS_TABLE} WHERE seq > ${clickHouseUInt(afterSeq, 'afterSeq')} AND seq <= ${clickHouseUInt(toSeq, 'toSeq')} ` +
        // Identical copies (an insert retried, not yet merged) count once; a different row at
        // the same seq stays visible to the verifier.
        `ORDER BY seq, hash LIMIT 1 BY seq, hash, id, data_json`,
    );
    return rows.map(toAuditRow);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#client.close(), this.#admin.close()]);
  }

  /** Runs a statement that returns nothing (for tests and tools). */
  async command(query: string): Promise<void> {
    await this.#client.command({ query });
  }

  async #select<T>(query: string): Promise<T[]> {
    const result = await this.#client.query({ query, format: 'JSONEachRow' });
    return result.json<T>();
  }
}

function toAuditRow(row: ClickHouseRow): AuditRow {
  return {
    id: row.id,
    seq: Number(row.seq),
    type: row.type,
    source: row.source,
    actorId: row.actor_id,
    subject: row.subject,
    ownerId: row.owner_id,
    action: row.action,
    outcome: row.outcome as AuditOutcome,
    timeMs: Number(row.time_ms),
    traceparent: row.traceparent,
    dataJson: row.data_json,
    prevHash: row.prev_hash,
    hash: row.hash,
    ingestedAtMs: Number(row.ingested_at_ms),
  };
}
