import type { Database, Migration } from '@coffer/db';
import { migrate } from '@coffer/db';
import type { Knex } from 'knex';
import { GENESIS_HASH, type AuditOutcome, type AuditRow } from '../chain/audit-record.js';
import type { AuditPageRequest, AuditQuery, AuditStore, ChainHead } from './audit-store.js';

/** The schema of the embedded store's table (separate from the checkpoints' schema). */
export const EMBEDDED_STORE_SCHEMA = 'audit_store';
/** The rows' table in {@link EMBEDDED_STORE_SCHEMA}. */
export const EMBEDDED_EVENTS_TABLE = 'audit_events';

/** The embedded store's schema, oldest first; only ever append. */
export const embeddedStoreMigrations: readonly Migration[] = Object.freeze([
  {
    name: '0001_create_audit_events',
    // id is the primary key: a second write of an event is absorbed (on conflict do nothing).
    // seq is unique: the single chain writer never gives two rows one position.
    up: (knex: Knex) =>
      knex.raw(`
        create table ${EMBEDDED_EVENTS_TABLE} (
          id text primary key,
          seq bigint not null unique,
          type text not null,
          source text not null,
          actor_id text not null,
          subject text not null,
          owner_id text not null,
          action text not null,
          outcome text not null,
          time timestamptz(3) not null,
          time_ms bigint not null,
          traceparent text not null,
          data_json text not null,
          prev_hash text not null,
          hash text not null,
          ingested_at timestamptz(3) not null
        );
        create index audit_events_actor_idx on ${EMBEDDED_EVENTS_TABLE} (actor_id, seq);
        create index audit_events_owner_idx on ${EMBEDDED_EVENTS_TABLE} (owner_id, seq);
        create index audit_events_subject_idx on ${EMBEDDED_EVENTS_TABLE} (subject, seq);
      `),
    // The indexes go with the table.
    down: (knex: Knex) => knex.raw(`drop table ${EMBEDDED_EVENTS_TABLE}`),
  },
]);

interface EmbeddedRow {
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
  ingested_at: Date | string;
}

const COLUMNS = ['id', 'seq', 'type', 'source', 'actor_id', 'subject', 'owner_id', 'action', 'outcome', 'time_ms', 'traceparent', 'data_json', 'prev_hash', 'hash', 'ingested_at'];

/**
 * The dev audit store: a table in PGlite (default `pglite://memory`) or PostgreSQL, through
 * @coffer/db. Same semantics as ClickHouse, without its scale.
 */
export class EmbeddedAuditStore implements AuditStore {
  readonly kind = 'embedded' as const;
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async migrate(): Promise<readonly string[]> {
    const result = await migrate(this.#db, { schema: EMBEDDED_STORE_SCHEMA, migrations: embeddedStoreMigrations });
    return result.applied;
  }

  async ping(): Promise<void> {
    await this.#db.ping();
  }

  #table(): Knex.QueryBuilder<EmbeddedRow> {
    return this.#db.knex.withSchema(EMBEDDED_STORE_SCHEMA).table<EmbeddedRow>(EMBEDDED_EVENTS_TABLE);
  }

  async chainHead(): Promise<ChainHead> {
    const row = (await this.#table().select('seq', 'hash').orderBy('seq', 'desc').first()) as Pick<EmbeddedRow, 'seq' | 'hash'> | undefined;
    return row === undefined ? { seq: 0, hash: GENESIS_HASH } : { seq: Number(row.seq), hash: row.hash };
  }

  async existingIds(ids: readonly string[]): Promise<ReadonlySet<string>> {
    if (ids.length === 0) return new Set();
    const rows = (await this.#table().select('id').whereIn('id', [...ids])) as Pick<EmbeddedRow, 'id'>[];
    return new Set(rows.map((row) => row.id));
  }

  async append(rows: readonly AuditRow[]): Promise<void> {
    if (rows.length === 0) return;
    const values = rows.map((row) => ({
      id: row.id,
      seq: row.seq,
      type: row.type,
      source: row.source,
      actor_id: row.actorId,
      subject: row.subject,
      owner_id: row.ownerId,
      action: row.action,
      outcome: row.outcome,
      time: new Date(row.timeMs),
      time_ms: row.timeMs,
      traceparent: row.traceparent,
      data_json: row.dataJson,
      prev_hash: row.prevHash,
      hash: row.hash,
      ingested_at: new Date(row.ingestedAtMs),
    }));
    // One statement: all rows or none.
    await this.#db.knex.withSchema(EMBEDDED_STORE_SCHEMA).table(EMBEDDED_EVENTS_TABLE).insert(values).onConflict('id').ignore();
  }

  async query(query: AuditQuery, page: AuditPageRequest): Promise<AuditRow[]> {
    const builder = this.#table().select(COLUMNS);
    if (!query.requesterAdmin) {
      const me = query.requesterId;
      void builder.where((visible) => {
        void visible.where('actor_id', me).orWhere('owner_id', me).orWhere('subject', me);
      });
    }
    if (query.actorId !== undefined) void builder.where('actor_id', query.actorId);
    if (query.subject !== undefined) void builder.where('subject', query.subject);
    if (query.action !== undefined) void builder.where('action', query.action);
    if (query.outcome !== undefined) void builder.where('outcome', query.outcome);
    if (query.fromMs !== undefined) void builder.where('time_ms', '>=', query.fromMs);
    if (query.toMs !== undefined) void builder.where('time_ms', '<', query.toMs);
    if (page.beforeSeq !== undefined) void builder.where('seq', '<', page.beforeSeq);
    const rows = (await builder.orderBy('seq', 'desc').limit(page.limit)) as EmbeddedRow[];
    return rows.map(toAuditRow);
  }

  async scanChain(afterSeq: number, toSeq: number): Promise<AuditRow[]> {
    const rows = (await this.#table().select(COLUMNS).where('seq', '>', afterSeq).andWhere('seq', '<=', toSeq).orderBy([{ column: 'seq' }, { column: 'hash' }])) as EmbeddedRow[];
    return rows.map(toAuditRow);
  }

  async close(): Promise<void> {
    // The database belongs to the caller (it also holds the checkpoints).
  }
}

function toAuditRow(row: EmbeddedRow): AuditRow {
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
    ingestedAtMs: new Date(row.ingested_at).getTime(),
  };
}
