import { runQuery, withTransaction, type Database } from '@coffer/db';
import { writeAuthEvents, type AuthEvent } from '../events/auth-events.js';
import { AUTH_SCHEMA } from './auth-migrations.js';

export interface StoredCredential {
  userId: string;
  passwordHash: string;
  passwordChangedAt: Date;
}

/** What a change records along with it: events written to the outbox in its transaction. */
export interface ChangeEvents {
  readonly events?: readonly AuthEvent[];
}

/** Password hashes by user id. */
export interface CredentialRepository {
  /** Stores the credentials, and `events` in the outbox, in one transaction. */
  create(userId: string, passwordHash: string, now: Date, options?: ChangeEvents): Promise<void>;
  find(userId: string): Promise<StoredCredential | undefined>;
  /** Replaces the hash, and writes `events` to the outbox, in one transaction. */
  updatePassword(userId: string, passwordHash: string, now: Date, options?: ChangeEvents): Promise<void>;
  delete(userId: string): Promise<void>;
}

interface CredentialRow {
  user_id: string;
  password_hash: string;
  password_changed_at: Date;
  created_at: Date;
}

export class KnexCredentialRepository implements CredentialRepository {
  constructor(private readonly db: Database) {}

  private table() {
    return this.db.knex.withSchema(AUTH_SCHEMA).table<CredentialRow>('credentials');
  }

  async create(userId: string, passwordHash: string, now: Date, options: ChangeEvents = {}): Promise<void> {
    await withTransaction(this.db, async (trx) => {
      await trx.withSchema(AUTH_SCHEMA).table<CredentialRow>('credentials').insert({ user_id: userId, password_hash: passwordHash, password_changed_at: now, created_at: now });
      await writeAuthEvents(trx, options.events ?? [], now);
    });
  }

  async find(userId: string): Promise<StoredCredential | undefined> {
    const row = await runQuery(this.db, () => this.table().where({ user_id: userId }).first<CredentialRow | undefined>());
    return row && { userId: row.user_id, passwordHash: row.password_hash, passwordChangedAt: new Date(row.password_changed_at) };
  }

  async updatePassword(userId: string, passwordHash: string, now: Date, options: ChangeEvents = {}): Promise<void> {
    await withTransaction(this.db, async (trx) => {
      await trx.withSchema(AUTH_SCHEMA).table<CredentialRow>('credentials').where({ user_id: userId }).update({ password_hash: passwordHash, password_changed_at: now });
      await writeAuthEvents(trx, options.events ?? [], now);
    });
  }

  async delete(userId: string): Promise<void> {
    await runQuery(this.db, () => this.table().where({ user_id: userId }).delete());
  }
}
