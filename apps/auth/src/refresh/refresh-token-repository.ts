import { runQuery, withTransaction, type Database } from '@coffer/db';
import { AUTH_SCHEMA } from '../credentials/auth-migrations.js';
import type { ChangeEvents } from '../credentials/credential-repository.js';
import { writeAuthEvents } from '../events/auth-events.js';

export interface RefreshFamily {
  familyId: string;
  userId: string;
  sessionId: string;
}

/** What presenting a refresh token led to. */
export type RotationOutcome =
  | ({ outcome: 'rotated' } & RefreshFamily)
  /** The token was already used: its family is now revoked (RFC 9700 §4.14.2). */
  | ({ outcome: 'reused' } & RefreshFamily)
  /** Unknown, expired, or of a revoked family. */
  | { outcome: 'invalid' };

export interface NewRefreshToken {
  tokenHash: string;
  expiresAt: Date;
}

/**
 * Refresh-token families and their tokens (hashes only). Methods taking {@link ChangeEvents}
 * write those events into `auth.outbox` in the same transaction as their change.
 */
export interface RefreshTokenRepository {
  startFamily(family: RefreshFamily, first: NewRefreshToken, now: Date, options?: ChangeEvents): Promise<void>;
  /**
   * Uses up `tokenHash` and stores `next` in the same family, atomically: of two concurrent
   * rotations of one token exactly one succeeds; the other sees a used token. A reuse revokes
   * the family and writes `auth.refresh_reuse_detected` in that same transaction.
   */
  rotate(tokenHash: string, next: NewRefreshToken, now: Date): Promise<RotationOutcome>;
  revokeFamily(familyId: string, reason: string, now: Date): Promise<void>;
  revokeSession(sessionId: string, reason: string, now: Date, options?: ChangeEvents): Promise<void>;
  /** Revokes every family of a user except the one of `exceptSessionId`; returns how many. */
  revokeUser(userId: string, reason: string, now: Date, exceptSessionId?: string, options?: ChangeEvents): Promise<number>;
  /**
   * Deletes what can no longer matter: tokens that expired before `cutoff` (used or not), and
   * families revoked before `cutoff` with every token in them. Returns how many rows went.
   */
  deleteExpired(cutoff: Date): Promise<number>;
}

interface TokenRow {
  family_id: string;
  user_id: string;
  session_id: string;
  used_at: Date | null;
  expires_at: Date;
  revoked_at: Date | null;
}

export class KnexRefreshTokenRepository implements RefreshTokenRepository {
  constructor(private readonly db: Database) {}

  async startFamily(family: RefreshFamily, first: NewRefreshToken, now: Date, options: ChangeEvents = {}): Promise<void> {
    await withTransaction(this.db, async (trx) => {
      await trx.withSchema(AUTH_SCHEMA).table('refresh_families').insert({
        id: family.familyId,
        user_id: family.userId,
        session_id: family.sessionId,
        created_at: now,
      });
      await trx.withSchema(AUTH_SCHEMA).table('refresh_tokens').insert({
        token_hash: first.tokenHash,
        family_id: family.familyId,
        issued_at: now,
        expires_at: first.expiresAt,
      });
      await writeAuthEvents(trx, options.events ?? [], now);
    });
  }

  rotate(tokenHash: string, next: NewRefreshToken, now: Date): Promise<RotationOutcome> {
    return withTransaction(this.db, async (trx) => {
      const liveFamilies = trx.withSchema(AUTH_SCHEMA).table('refresh_families').select('id').whereNull('revoked_at');
      // Under READ COMMITTED a concurrent rotation of the same token waits on the row lock and
      // then finds used_at set: exactly one UPDATE returns the row.
      const used = await trx
        .withSchema(AUTH_SCHEMA)
        .table('refresh_tokens')
        .where({ token_hash: tokenHash })
        .whereNull('used_at')
        .where('expires_at', '>', now)
        .whereIn('family_id', liveFamilies)
        .update({ used_at: now }, ['family_id']);
      const familyId = (used[0] as { family_id?: string } | undefined)?.family_id;
      if (familyId !== undefined) {
        await trx.withSchema(AUTH_SCHEMA).table('refresh_tokens').insert({ token_hash: next.tokenHash, family_id: familyId, issued_at: now, expires_at: next.expiresAt });
        const family = await this.family(trx, familyId);
        return { outcome: 'rotated', ...family };
      }
      const row = await trx
        .withSchema(AUTH_SCHEMA)
        .table('refresh_tokens as t')
        .join('refresh_families as f', 'f.id', 't.family_id')
        .where('t.token_hash', tokenHash)
        .first<TokenRow | undefined>('t.family_id', 'f.user_id', 'f.session_id', 't.used_at', 't.expires_at', 'f.revoked_at');
      if (!row || row.used_at === null) return { outcome: 'invalid' };
      await trx
        .withSchema(AUTH_SCHEMA)
        .table('refresh_families')
        .where({ id: row.family_id })
        .whereNull('revoked_at')
        .update({ revoked_at: now, revoked_reason: 'refresh-token-reuse' });
      // Every detected reuse is recorded, also of a family an earlier reuse already revoked:
      // each one is a presentation of a stolen or leaked token.
      await writeAuthEvents(trx, [{ type: 'auth.refresh_reuse_detected', userId: row.user_id, sessionId: row.session_id, familyId: row.family_id }], now);
      return { outcome: 'reused', familyId: row.family_id, userId: row.user_id, sessionId: row.session_id };
    });
  }

  async revokeFamily(familyId: string, reason: string, now: Date): Promise<void> {
    await runQuery(this.db, (knex) =>
      knex.withSchema(AUTH_SCHEMA).table('refresh_families').where({ id: familyId }).whereNull('revoked_at').update({ revoked_at: now, revoked_reason: reason }),
    );
  }

  async revokeSession(sessionId: string, reason: string, now: Date, options: ChangeEvents = {}): Promise<void> {
    await withTransaction(this.db, async (trx) => {
      await trx.withSchema(AUTH_SCHEMA).table('refresh_families').where({ session_id: sessionId }).whereNull('revoked_at').update({ revoked_at: now, revoked_reason: reason });
      await writeAuthEvents(trx, options.events ?? [], now);
    });
  }

  async revokeUser(userId: string, reason: string, now: Date, exceptSessionId?: string, options: ChangeEvents = {}): Promise<number> {
    return withTransaction(this.db, async (trx) => {
      const query = trx.withSchema(AUTH_SCHEMA).table('refresh_families').where({ user_id: userId }).whereNull('revoked_at');
      if (exceptSessionId !== undefined) void query.whereNot({ session_id: exceptSessionId });
      const revoked = await query.update({ revoked_at: now, revoked_reason: reason });
      await writeAuthEvents(trx, options.events ?? [], now);
      return revoked;
    });
  }

  deleteExpired(cutoff: Date): Promise<number> {
    return withTransaction(this.db, async (trx) => {
      const families = await trx.withSchema(AUTH_SCHEMA).table('refresh_families').where('revoked_at', '<', cutoff).delete();
      const tokens = await trx.withSchema(AUTH_SCHEMA).table('refresh_tokens').where('expires_at', '<', cutoff).delete();
      return families + tokens;
    });
  }

  private async family(trx: Parameters<Parameters<typeof withTransaction>[1]>[0], familyId: string): Promise<RefreshFamily> {
    const row = await trx.withSchema(AUTH_SCHEMA).table('refresh_families').where({ id: familyId }).first<{ user_id: string; session_id: string } | undefined>('user_id', 'session_id');
    if (!row) throw new Error(`refresh family ${familyId} vanished inside its transaction`);
    return { familyId, userId: row.user_id, sessionId: row.session_id };
  }
}
