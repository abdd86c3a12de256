import { runQuery, type Database } from '@coffer/db';
import { AUTH_SCHEMA } from './auth-migrations.js';

export interface StoredCredential {
  userId: string;
  passwordHash: string;
  passwordChangedAt: Date;
}

/** Password hashes by user id. */
export interface CredentialRepository {
  create(userId: string, passwordHash: string, now: Date): Promise<void>;
  find(userId: string): Promise<StoredCredential | undefined>;
  updatePassword(userId: string, passwordHash: string, now: Date): Promise<void>;
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

  async create(userId: string, passwordHash: string, now: Date): Promise<void> {
    await runQuery(this.db, () => this.table().insert({ user_id: userId, password_hash: passwordHash, password_changed_at: now, created_at: now }));
  }

  async find(userId: string): Promise<StoredCredential | undefined> {
    const row = await runQuery(this.db, () => this.table().where({ user_id: userId }).first<CredentialRow | undefined>());
    return row && { userId: row.user_id, passwordHash: row.password_hash, passwordChangedAt: new Date(row.password_changed_at) };
  }

  async updatePassword(userId: string, passwordHash: string, now: Date): Promise<void> {
    await runQuery(this.db, () => this.table().where({ user_id: userId }).update({ password_hash: passwordHash, password_changed_at: now }));
  }

  async delete(userId: string): Promise<void> {
    await runQuery(this.db, () => this.table().where({ user_id: userId }).delete());
  }
}
