import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiterFromUrl } from '@coffer/rate-limit';
import { createSessionStoreFromUrl } from '@coffer/session-store';
import { createTemporaryPostgresDatabase, loadEngineEndpoints, uniqueName, type TemporaryPostgresDatabase } from '@coffer/testing';
import { invoke, startAuthHarness, type AuthHarness } from '../src/auth-service.fixture.js';
import { AUTH_SCHEMA } from '../src/credentials/auth-migrations.js';
import { KnexCredentialRepository } from '../src/credentials/credential-repository.js';

/**
 * The auth service on the production engines: the real PostgreSQL server, where two rotations
 * really run in parallel on two connections (PGlite serialises them), and sessions and login
 * throttling in the real Redis. Of two concurrent refreshes with the same token exactly one
 * succeeds, every time.
 */
describe('auth on PostgreSQL and Redis', () => {
  let database: TemporaryPostgresDatabase;
  let h: AuthHarness;
  let userId: string;

  beforeAll(async () => {
    database = await createTemporaryPostgresDatabase('coffer_auth_test');
    const redisUrl = loadEngineEndpoints().redis.url;
    h = await startAuthHarness(database.url, {
      sessions: createSessionStoreFromUrl(redisUrl, { keyPrefix: `${uniqueName('auth-test', '-')}:` }),
      limiter: createRateLimiterFromUrl(redisUrl, { keyPrefix: `${uniqueName('auth-test', '-')}:` }),
    });
    ({ userId } = await invoke(h.auth.register, { email: 'race@example.com', password: 'tangerine-orbit-quarry-57', displayName: 'Race', clientIp: '' }));
  }, 60_000);

  afterAll(async () => {
    await h.close();
    await database.drop();
  });

  it('two concurrent refreshes with the same token: exactly one succeeds (100 runs out of 100)', async () => {
    for (let run = 0; run < 100; run += 1) {
      const { tokens } = await invoke(h.auth.login, { email: 'race@example.com', password: 'tangerine-orbit-quarry-57', clientIp: `10.0.${run}.1`, userAgent: 'race' });
      const refreshToken = tokens?.refreshToken ?? '';
      const results = await Promise.allSettled([
        invoke(h.auth.refresh, { refreshToken, clientIp: '' }),
        invoke(h.auth.refresh, { refreshToken, clientIp: '' }),
      ]);
      const succeeded = results.filter((result) => result.status === 'fulfilled');
      const refused = results.filter((result) => result.status === 'rejected');
      expect(succeeded, `run ${run}`).toHaveLength(1);
      expect(refused, `run ${run}`).toHaveLength(1);
      expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'unauthenticated' });
    }
    // The loser presented a used token: reuse detection revoked the family (RFC 9700 §4.14.2).
    // Each detection is written in the transaction that revoked the family: one valid row per run.
    const reuse = (await h.outbox()).filter((row) => row.event.type === 'auth.refresh_reuse_detected');
    expect(reuse).toHaveLength(100);
    expect(new Set(reuse.map((row) => (row.event.data as { familyId: string }).familyId)).size).toBe(100);
    expect(reuse.every((row) => row.eventKey === userId && row.event.subject === userId)).toBe(true);
  }, 300_000);

  it('reuse of a rotated token revokes the family on PostgreSQL too', async () => {
    const first = await invoke(h.auth.login, { email: 'race@example.com', password: 'tangerine-orbit-quarry-57', clientIp: '10.9.9.9', userAgent: 'reuse' });
    const second = await invoke(h.auth.refresh, { refreshToken: first.tokens?.refreshToken ?? '', clientIp: '' });
    await expect(invoke(h.auth.refresh, { refreshToken: first.tokens?.refreshToken ?? '', clientIp: '' })).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(invoke(h.auth.refresh, { refreshToken: second.tokens?.refreshToken ?? '', clientIp: '' })).rejects.toMatchObject({ code: 'unauthenticated' });
    const sessions = await invoke(h.auth.listSessions, { userId });
    expect(sessions.sessions.map((session) => session.id)).not.toContain(first.sessionId);
  });

  it('stores refresh tokens only as their SHA-256 (hex): no column of any row holds the token itself', async () => {
    const login = await invoke(h.auth.login, { email: 'race@example.com', password: 'tangerine-orbit-quarry-57', clientIp: '10.7.7.7', userAgent: 'at-rest' });
    const rotated = await invoke(h.auth.refresh, { refreshToken: login.tokens?.refreshToken ?? '', clientIp: '' });
    const issued = [login.tokens?.refreshToken ?? '', rotated.tokens?.refreshToken ?? ''];
    expect(issued.every((token) => token.startsWith('crt_'))).toBe(true);
    // Every column of every row, as PostgreSQL renders the whole row, in the token and family tables.
    const dump = async (table: string): Promise<{ row: string; token_hash: string | null }[]> =>
      (await h.db.knex.raw<{ rows: { row: string; token_hash: string | null }[] }>(`SELECT t::text AS row, to_jsonb(t) ->> 'token_hash' AS token_hash FROM ${AUTH_SCHEMA}.${table} t`)).rows;
    const tokenRows = await dump('refresh_tokens');
    const everything = [...tokenRows, ...(await dump('refresh_families'))].map((entry) => entry.row).join('\n');
    expect(tokenRows.length).toBeGreaterThanOrEqual(2);
    for (const token of issued) {
      const secret = token.slice('crt_'.length);
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(Buffer.from(secret, 'base64url').toString('hex'));
      // The stored key is SHA-256 of the whole token, lowercase hex (computed here, not by the code under test).
      const sha256 = createHash('sha256').update(token, 'utf8').digest('hex');
      expect(tokenRows.filter((entry) => entry.token_hash === sha256)).toHaveLength(1);
    }
    expect(tokenRows.every((entry) => /^[0-9a-f]{64}$/.test(entry.token_hash ?? ''))).toBe(true);
  });

  it('logout in Redis ends the session at once, and its refresh token with it', async () => {
    const pair = await invoke(h.auth.login, { email: 'race@example.com', password: 'tangerine-orbit-quarry-57', clientIp: '10.8.8.8', userAgent: 'logout' });
    await expect(invoke(h.auth.checkSession, { sessionId: pair.sessionId })).resolves.toEqual({ active: true });
    await invoke(h.auth.logout, { sessionId: pair.sessionId });
    await expect(invoke(h.auth.checkSession, { sessionId: pair.sessionId })).resolves.toEqual({ active: false });
    await expect(invoke(h.auth.refresh, { refreshToken: pair.tokens?.refreshToken ?? '', clientIp: '' })).rejects.toMatchObject({ code: 'unauthenticated' });
  });
  it('outbox on PostgreSQL: a committed sign-up leaves one valid event, a failed one none, and no email', async () => {
    const before = (await h.outbox()).length;
    const { userId: other } = await invoke(h.auth.register, { email: 'outbox.secret@example.com', password: 'tangerine-orbit-quarry-57', displayName: 'Outbox', clientIp: '' });
    const added = (await h.outbox()).slice(before);
    expect(added.map((row) => ({ type: row.event.type, subject: row.event.subject, key: row.eventKey }))).toEqual([{ type: 'auth.user_registered', subject: other, key: other }]);
    await expect(invoke(h.auth.register, { email: 'OUTBOX.secret@example.com', password: 'tangerine-orbit-quarry-57', displayName: 'Copy', clientIp: '' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(new KnexCredentialRepository(h.db).create(other, 'hash', new Date(), { events: [{ type: 'auth.user_registered', userId: other }] })).rejects.toMatchObject({ code: 'conflict' });
    const rows = await h.outbox();
    expect(rows).toHaveLength(before + 1);
    expect(rows.map((row) => row.serialized).join('\n')).not.toMatch(/@|secret|tangerine/);
  });
});
