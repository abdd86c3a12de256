import { createHmac, timingSafeEqual } from 'node:crypto';
import { migrate, type Database, type Migration } from '@coffer/db';
import type { HmacKeyRing } from '@coffer/integrity';
import type { Knex } from 'knex';

/** The audit service's own schema in COFFER_DATABASE_URL (PostgreSQL or PGlite): the checkpoints. */
export const AUDIT_SCHEMA = 'audit';
/** Signed chain checkpoints, in {@link AUDIT_SCHEMA}. */
export const CHECKPOINTS_TABLE = 'chain_checkpoints';

/** The checkpoints' schema, oldest first; only ever append. */
export const checkpointMigrations: readonly Migration[] = Object.freeze([
  {
    name: '0001_create_chain_checkpoints',
    up: (knex: Knex) =>
      knex.raw(`
        create table ${CHECKPOINTS_TABLE} (
          seq bigint primary key,
          hash text not null,
          signature text not null,
          key_id text not null,
          created_at timestamptz(3) not null,
          constraint chain_checkpoints_hash_hex check (hash ~ '^[0-9a-f]{64}$')
        );
      `),
    down: (knex: Knex) => knex.raw(`drop table ${CHECKPOINTS_TABLE}`),
  },
]);

/** A signed statement "the chain's row `seq` has hash `hash`", made at `createdAtMs`. */
export interface ChainCheckpoint {
  readonly seq: number;
  readonly hash: string;
  /** HMAC-SHA256 (base64url) of {@link checkpointMessage} with the key `keyId`. */
  readonly signature: string;
  readonly keyId: string;
  readonly createdAtMs: number;
}

/** What a checkpoint signature covers; versioned so a signature is never reused for another purpose. */
export function checkpointMessage(seq: number, hash: string, createdAtMs: number): string {
  return `coffer.audit.checkpoint.v1\n${seq}\n${hash}\n${createdAtMs}`;
}

/** Signs a checkpoint with the ring's active key. */
export function signCheckpoint(keys: HmacKeyRing, seq: number, hash: string, createdAtMs: number): ChainCheckpoint {
  const key = keys.active;
  const signature = createHmac('sha256', key.secret).update(checkpointMessage(seq, hash, createdAtMs), 'utf8').digest('base64url');
  return { seq, hash, signature, keyId: key.id, createdAtMs };
}

/** Whether a checkpoint's signature is valid under a key of the ring. */
export function checkpointSignatureValid(keys: HmacKeyRing, checkpoint: ChainCheckpoint): boolean {
  const key = keys.get(checkpoint.keyId);
  if (key === undefined) return false;
  const expected = createHmac('sha256', key.secret).update(checkpointMessage(checkpoint.seq, checkpoint.hash, checkpoint.createdAtMs), 'utf8').digest();
  const given = Buffer.from(checkpoint.signature, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Where checkpoints are kept: outside the audit store, so one who can rewrite rows cannot rewrite these too. */
export interface CheckpointStore {
  migrate(): Promise<readonly string[]>;
  /** Records a checkpoint; one per seq (a second one for the same seq is ignored). */
  add(checkpoint: ChainCheckpoint): Promise<void>;
  /** Every checkpoint, by seq. */
  list(): Promise<ChainCheckpoint[]>;
  /** The checkpoint with the highest seq. */
  latest(): Promise<ChainCheckpoint | undefined>;
}

interface CheckpointRow {
  seq: string | number;
  hash: string;
  signature: string;
  key_id: string;
  created_at: Date | string;
}

/** {@link CheckpointStore} in the audit service's PostgreSQL/PGlite database. */
export class KnexCheckpointStore implements CheckpointStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async migrate(): Promise<readonly string[]> {
    return (await migrate(this.#db, { schema: AUDIT_SCHEMA, migrations: checkpointMigrations })).applied;
  }

  async add(checkpoint: ChainCheckpoint): Promise<void> {
    await this.#table()
      .insert({ seq: checkpoint.seq, hash: checkpoint.hash, signature: checkpoint.signature, key_id: checkpoint.keyId, created_at: new Date(checkpoint.createdAtMs) })
      .onConflict('seq')
      .ignore();
  }

  async list(): Promise<ChainCheckpoint[]> {
    const rows = (await this.#table().select('*').orderBy('seq')) as CheckpointRow[];
    return rows.map(toCheckpoint);
  }

  async latest(): Promise<ChainCheckpoint | undefined> {
    const row = (await this.#table().select('*').orderBy('seq', 'desc').first()) as CheckpointRow | undefined;
    return row === undefined ? undefined : toCheckpoint(row);
  }

  #table(): Knex.QueryBuilder {
    return this.#db.knex.withSchema(AUDIT_SCHEMA).table(CHECKPOINTS_TABLE);
  }
}

function toCheckpoint(row: CheckpointRow): ChainCheckpoint {
  return { seq: Number(row.seq), hash: row.hash, signature: row.signature, keyId: row.key_id, createdAtMs: new Date(row.created_at).getTime() };
}
