import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { isUniqueViolation, runQuery, withTransaction, type Database } from '@coffer/db';
import { AppError } from '@coffer/platform';
import { writeUserEvents, type UserField } from './user-events.js';
import { EMAIL_UNIQUE_INDEX, USERS_SCHEMA, USERS_TABLE } from './user-migrations.js';

/** A profile as the service sees it. */
export interface UserRecord {
  readonly id: string;
  readonly email: string;
  readonly displayName: string;
  readonly admin: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Set while the account waits out its grace period before it is purged. */
  readonly deletedAt: Date | undefined;
}

/** What {@link UserRepository.create} stores; values are already validated and normalised. */
export interface NewUser {
  readonly email: string;
  readonly displayName: string;
  readonly admin: boolean;
}

/** What {@link UserRepository.update} changes; an undefined field is left as it is. */
export interface UserChanges {
  readonly email?: string | undefined;
  readonly displayName?: string | undefined;
}

/** Options of {@link UserRepository.list}. */
export interface ListUsersOptions {
  /** Rows per page, at least 1. */
  readonly pageSize: number;
  /** The `nextPageToken` of the previous page; undefined or empty for the first page. */
  readonly pageToken?: string | undefined;
  /** Include soft-deleted accounts. Default false. */
  readonly includeDeleted?: boolean;
}

/** One page of {@link UserRepository.list}. */
export interface UserPage {
  readonly users: readonly UserRecord[];
  /** Opaque; undefined on the last page. */
  readonly nextPageToken: string | undefined;
}

/**
 * Where profiles live. Every method fails with an AppError (database errors arrive translated
 * by @coffer/db); ids that are not UUIDs match nothing instead of failing.
 *
 * Every change also writes its event (user.created, user.updated, user.deleted) into the
 * `users.outbox` in the same transaction: the event exists if and only if the change committed.
 * A call that changes nothing (no live profile, an already deleted one) writes no event.
 */
export interface UserRepository {
  /**
   * Stores a new profile with a fresh id. Fails `conflict` ('email: is already in use.') when
   * a live account has the same email, compared case-insensitively.
   */
  create(user: NewUser): Promise<UserRecord>;
  /** The profile with this id; a soft-deleted one only when `includeDeleted` is set. */
  findById(id: string, options?: { readonly includeDeleted?: boolean }): Promise<UserRecord | undefined>;
  /** The live profile with this email, compared case-insensitively. */
  findByEmail(email: string): Promise<UserRecord | undefined>;
  /**
   * Changes email and/or display name of a live profile and returns it; undefined when there
   * is no live profile with this id. Fails `conflict` like {@link create} on a taken email.
   */
  update(id: string, changes: UserChanges): Promise<UserRecord | undefined>;
  /**
   * Marks the profile deleted, which starts its grace period. Idempotent: an already deleted
   * profile keeps its first `deletedAt`. False when no profile (live or deleted) has this id.
   */
  softDelete(id: string): Promise<boolean>;
  /** Removes the profile for good, live or deleted. False when there was none. */
  purge(id: string): Promise<boolean>;
  /** Removes every profile soft-deleted before `cutoff`; returns how many. */
  purgeDeletedBefore(cutoff: Date): Promise<number>;
  /**
   * Pages through profiles oldest first, ordered by (createdAt, id). The page token is
   * validated: a malformed or altered one fails `invalid_argument` ('pageToken: is not valid.').
   */
  list(options: ListUsersOptions): Promise<UserPage>;
}

/** Options of {@link KnexUserRepository}. */
export interface KnexUserRepositoryOptions {
  /** The clock for createdAt, updatedAt and deletedAt. Default: the system clock. */
  readonly now?: () => Date;
  /** How many profiles one statement of `purgeDeletedBefore` removes. Default 500. */
  readonly purgeBatchSize?: number;
}

interface UserRow {
  id: string;
  email: string;
  display_name: string;
  admin: boolean;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

const COLUMNS = ['id', 'email', 'display_name', 'admin', 'created_at', 'updated_at', 'deleted_at'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a UUID in its usual text form, the only form user ids take. */
export function isUserId(value: string): boolean {
  return UUID.test(value);
}

/** {@link UserRepository} on PostgreSQL or PGlite (through knex), in the `users` schema. */
export class KnexUserRepository implements UserRepository {
  private readonly now: () => Date;
  private readonly purgeBatchSize: number;

  constructor(
    private readonly db: Database,
    options: KnexUserRepositoryOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.purgeBatchSize = options.purgeBatchSize ?? 500;
    if (!Number.isSafeInteger(this.purgeBatchSize) || this.purgeBatchSize < 1) {
      throw new RangeError(`purgeBatchSize must be a whole number >= 1 (got ${this.purgeBatchSize})`);
    }
  }

  async create(user: NewUser): Promise<UserRecord> {
    const now = this.now();
    const row: UserRow = {
      id: randomUUID(),
      email: user.email,
      display_name: user.displayName,
      admin: user.admin,
      created_at: now,
      updated_at: now,
      deleted_at: null,
    };
    const inserted = await withTransaction(this.db, async (trx) => {
      const rows = await this.users(trx).insert(row).returning<UserRow[]>(COLUMNS);
      await writeUserEvents(trx, [{ type: 'user.created', userId: row.id }], now);
      return rows;
    }).catch(rethrowEmailConflict);
    return toRecord(single(inserted));
  }

  async findById(id: string, options: { readonly includeDeleted?: boolean } = {}): Promise<UserRecord | undefined> {
    if (!isUserId(id)) return undefined;
    const rows = await this.run<UserRow[]>((knex) => {
      const query = this.users(knex).select(COLUMNS).where('id', id);
      return options.includeDeleted === true ? query : query.whereNull('deleted_at');
    });
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  }

  async findByEmail(email: string): Promise<UserRecord | undefined> {
    // Same expression as the unique index, so the lookup uses it.
    const rows = await this.run<UserRow[]>((knex) =>
      this.users(knex).select(COLUMNS).whereRaw('lower(email) = lower(?)', [email]).whereNull('deleted_at'),
    );
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  }

  async update(id: string, changes: UserChanges): Promise<UserRecord | undefined> {
    if (!isUserId(id)) return undefined;
    if (changes.email === undefined && changes.displayName === undefined) return this.findById(id);
    const now = this.now();
    const patch: Partial<UserRow> = { updated_at: now };
    const fields: UserField[] = [];
    if (changes.email !== undefined) {
      patch.email = changes.email;
      fields.push('email');
    }
    if (changes.displayName !== undefined) {
      patch.display_name = changes.displayName;
      fields.push('displayName');
    }
    const rows = await withTransaction(this.db, async (trx) => {
      const updated = await this.users(trx).update(patch).where('id', id).whereNull('deleted_at').returning<UserRow[]>(COLUMNS);
      if (updated[0] !== undefined) await writeUserEvents(trx, [{ type: 'user.updated', userId: updated[0].id, fields }], now);
      return updated;
    }).catch(rethrowEmailConflict);
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  }

  async softDelete(id: string): Promise<boolean> {
    if (!isUserId(id)) return false;
    const now = this.now();
    const marked = await withTransaction(this.db, async (trx) => {
      const count = await this.users(trx).update({ deleted_at: now, updated_at: now }).where('id', id).whereNull('deleted_at');
      if (count > 0) await writeUserEvents(trx, [{ type: 'user.deleted', userId: id, purged: false }], now);
      return count;
    });
    if (marked > 0) return true;
    return (await this.findById(id, { includeDeleted: true })) !== undefined;
  }

  async purge(id: string): Promise<boolean> {
    if (!isUserId(id)) return false;
    const now = this.now();
    const removed = await withTransaction(this.db, async (trx) => {
      const count = await this.users(trx).where('id', id).del();
      if (count > 0) await writeUserEvents(trx, [{ type: 'user.deleted', userId: id, purged: true }], now);
      return count;
    });
    return removed > 0;
  }

  async purgeDeletedBefore(cutoff: Date): Promise<number> {
    // In batches, so a large backlog never holds one long transaction and its locks.
    // Each batch writes a user.deleted (purged) event per profile in its own transaction.
    let total = 0;
    for (;;) {
      const now = this.now();
      const removed = await withTransaction(this.db, async (trx) => {
        const ids = await this.users(trx)
          .whereIn('id', this.users(trx).select('id').whereNotNull('deleted_at').where('deleted_at', '<', cutoff).limit(this.purgeBatchSize))
          .del()
          .returning<{ id: string }[]>(['id']);
        await writeUserEvents(
          trx,
          ids.map(({ id }) => ({ type: 'user.deleted', userId: id, purged: true })),
          now,
        );
        return ids.length;
      });
      total += removed;
      if (removed < this.purgeBatchSize) return total;
    }
  }

  async list(options: ListUsersOptions): Promise<UserPage> {
    const { pageSize } = options;
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be a whole number >= 1 (got ${pageSize})`);
    const after = options.pageToken === undefined || options.pageToken === '' ? undefined : decodePageToken(options.pageToken);
    const rows = await this.run<UserRow[]>((knex) => {
      let query = this.users(knex).select(COLUMNS).orderBy([{ column: 'created_at' }, { column: 'id' }]).limit(pageSize + 1);
      if (options.includeDeleted !== true) query = query.whereNull('deleted_at');
      if (after !== undefined) {
        query = query.whereRaw('(created_at, id) > (cast(? as timestamptz), cast(? as uuid))', [after.createdAt, after.id]);
      }
      return query;
    });
    // One row more than asked tells whether another page exists, so the last page says so.
    const users = rows.slice(0, pageSize).map(toRecord);
    const last = users.at(-1);
    const nextPageToken = rows.length > pageSize && last !== undefined ? encodePageToken({ createdAt: last.createdAt, id: last.id }) : undefined;
    return { users, nextPageToken };
  }

  private users(knex: Knex): Knex.QueryBuilder<UserRow> {
    return knex<UserRow>(USERS_TABLE).withSchema(USERS_SCHEMA);
  }

  private run<T>(work: (knex: Knex) => PromiseLike<T>): Promise<T> {
    return runQuery(this.db, work);
  }
}

/** The position after which the next page starts. */
interface PageCursor {
  readonly createdAt: Date;
  readonly id: string;
}

const PAGE_TOKEN_VERSION = '1';
const PAGE_TOKEN_TEXT = /^1:(\d{1,15}):([0-9a-f-]{36})$/;

/**
 * `base64url("1:<createdAt epoch ms>:<id>")`. Opaque to clients; the version prefix leaves
 * room to change the format. Not signed: a forged but well-formed token only moves the start
 * of a page, which the caller could do anyway by paging.
 */
export function encodePageToken(cursor: PageCursor): string {
  return Buffer.from(`${PAGE_TOKEN_VERSION}:${cursor.createdAt.getTime()}:${cursor.id}`, 'utf8').toString('base64url');
}

/** Reads a page token; anything not produced by {@link encodePageToken} fails `invalid_argument`. */
export function decodePageToken(token: string): PageCursor {
  const invalid = () => new AppError('invalid_argument', { detail: 'pageToken: is not valid.' });
  // Node's base64url decoder skips characters it does not know; refuse them up front, and
  // refuse non-canonical encodings by encoding the result again.
  if (token.length > 200 || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  const text = Buffer.from(token, 'base64url').toString('utf8');
  if (Buffer.from(text, 'utf8').toString('base64url') !== token) throw invalid();
  const match = PAGE_TOKEN_TEXT.exec(text);
  const [, millis, id] = match ?? [];
  if (millis === undefined || id === undefined || !isUserId(id)) throw invalid();
  const createdAt = new Date(Number(millis));
  if (Number.isNaN(createdAt.getTime())) throw invalid();
  return { createdAt, id };
}

function toRecord(row: UserRow): UserRecord {
  return Object.freeze({
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    admin: row.admin,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at ?? undefined,
  });
}

function single<T>(rows: readonly T[]): T {
  const [row] = rows;
  if (row === undefined || rows.length !== 1) throw new Error(`expected one row, got ${rows.length}`);
  return row;
}

/** A unique violation of the email index becomes the client-facing conflict; others pass on. */
function rethrowEmailConflict(error: unknown): never {
  if (isUniqueViolation(error, EMAIL_UNIQUE_INDEX)) {
    throw new AppError('conflict', { detail: 'email: is already in use.', cause: error });
  }
  throw error;
}
