import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase, migrate, withTransaction, type Database } from '@coffer/db';
import { AppError } from '@coffer/platform';
import { MemorySessionStore } from '@coffer/session-store';
import { clearAuthTables, invoke, readAuthOutbox, startAuthHarness, type AuthHarness } from '../auth-service.fixture.js';
import { AUTH_SCHEMA, authMigrations } from '../credentials/auth-migrations.js';
import { KnexCredentialRepository } from '../credentials/credential-repository.js';
import { AUTH_ANONYMOUS_SUBJECT, AUTH_EVENT_SOURCE, writeAuthEvents } from './auth-events.js';

const EMAIL = 'Ada.Secret@example.com';
const PASSWORD = 'tangerine-orbit-quarry-57';
const NEW_PASSWORD = 'marmalade-comet-harbor-91';

/**
 * Auth's events go to the outbox (auth.outbox) in the transaction of the change they describe;
 * every row is parsed and validated against its data schema by readAuthOutbox.
 */
describe('auth events in the outbox (embedded database)', () => {
  let h: AuthHarness;
  let db: Database;
  beforeAll(async () => {
    db = await createDatabase('pglite://memory');
    await migrate(db, { schema: AUTH_SCHEMA, migrations: authMigrations });
  }, 120_000);
  afterAll(() => db.close());
  beforeEach(async () => {
    await clearAuthTables(db);
    h = await startAuthHarness(db, { sessions: new MemorySessionStore({ maxSessionsPerUser: 2 }) });
  });
  afterEach(() => h.close());

  const register = (email = EMAIL) => invoke(h.auth.register, { email, password: PASSWORD, displayName: 'Ada Lovelace', clientIp: '192.0.2.1' });
  const login = (password = PASSWORD, email = EMAIL) => invoke(h.auth.login, { email, password, clientIp: '192.0.2.1', userAgent: 'vitest' });
  const summary = async () => (await h.outbox()).map(({ event }) => ({ type: event.type, subject: event.subject, data: event.data }));

  it('a committed sign-up leaves exactly one auth.user_registered, keyed by the user id', async () => {
    const { userId } = await register();
    const rows = await h.outbox();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.event).toMatchObject({ type: 'auth.user_registered', source: AUTH_EVENT_SOURCE, subject: userId, data: { userId } });
    expect(rows[0]).toMatchObject({ eventKey: userId, topic: 'coffer.auth.v1' });
  });

  it('a sign-up refused on a taken email leaves no event', async () => {
    await register();
    await expect(register('ADA.secret@example.com')).rejects.toMatchObject({ code: 'conflict' });
    expect(await h.eventTypes()).toEqual(['auth.user_registered']);
  });

  it('credentials that fail to insert roll their event back with them', async () => {
    const { userId } = await register();
    const credentials = new KnexCredentialRepository(db);
    await expect(credentials.create(userId, 'hash', new Date(), { events: [{ type: 'auth.user_registered', userId }] })).rejects.toMatchObject({ code: 'conflict' });
    expect(await h.eventTypes()).toEqual(['auth.user_registered']);
  });

  it('an event written in a transaction that then throws is rolled back', async () => {
    await expect(
      withTransaction(db, async (trx) => {
        await writeAuthEvents(trx, [{ type: 'auth.password_changed', userId: '0b7e6b8e-2f43-4c59-9a57-3b1a0f1c2d3e' }], new Date());
        throw new AppError('internal', { detail: 'boom' });
      }),
    ).rejects.toMatchObject({ code: 'internal' });
    expect(await readAuthOutbox(db)).toEqual([]);
  });

  it('login: auth.login_succeeded with the refresh family; a failure is auth.login_failed keyed by a constant', async () => {
    const { userId } = await register();
    const { sessionId } = await login();
    await expect(login('wrong-password-entirely')).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(login(PASSWORD, 'nobody.secret@example.com')).rejects.toMatchObject({ code: 'unauthenticated' });
    expect((await summary()).slice(1)).toEqual([
      { type: 'auth.login_succeeded', subject: userId, data: { userId, sessionId } },
      { type: 'auth.login_failed', subject: AUTH_ANONYMOUS_SUBJECT, data: { reason: 'bad_credentials' } },
      { type: 'auth.login_failed', subject: AUTH_ANONYMOUS_SUBJECT, data: { reason: 'bad_credentials' } },
    ]);
    const families = await db.knex.withSchema(AUTH_SCHEMA).table('refresh_families').where({ session_id: sessionId });
    expect(families).toHaveLength(1);
  });

  it('a throttled sign-in is auth.login_failed (throttled)', async () => {
    await register();
    for (let n = 0; n < 5; n += 1) await expect(login('wrong-password-entirely')).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(login()).rejects.toMatchObject({ code: 'rate_limited' });
    const failed = (await summary()).filter((event) => event.type === 'auth.login_failed');
    expect(failed.at(-1)).toEqual({ type: 'auth.login_failed', subject: AUTH_ANONYMOUS_SUBJECT, data: { reason: 'throttled' } });
  });

  it('logout, eviction and revoke-all each write their session event', async () => {
    const { userId } = await register();
    const first = await login();
    const second = await login();
    const third = await login(); // over the limit of 2: the first session is evicted
    await invoke(h.auth.logout, { sessionId: third.sessionId });
    await invoke(h.auth.revokeAllSessions, { userId });
    const events = (await summary()).filter((event) => event.type !== 'auth.login_succeeded' && event.type !== 'auth.user_registered');
    expect(events).toEqual([
      { type: 'auth.session_revoked', subject: userId, data: { userId, sessionId: first.sessionId, reason: 'session-evicted' } },
      { type: 'auth.session_revoked', subject: userId, data: { userId, sessionId: third.sessionId, reason: 'logout' } },
      { type: 'auth.sessions_revoked_all', subject: userId, data: { userId, count: 1 } },
    ]);
    expect(second.sessionId).not.toBe(first.sessionId);
  });

  it('a password change writes auth.password_changed; a refused one writes nothing', async () => {
    const { userId } = await register();
    const { sessionId } = await login();
    await expect(invoke(h.auth.changePassword, { userId, sessionId, currentPassword: 'not-the-password-at-all', newPassword: NEW_PASSWORD })).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(await h.eventTypes()).not.toContain('auth.password_changed');
    await invoke(h.auth.changePassword, { userId, sessionId, currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    expect((await summary()).filter((event) => event.type === 'auth.password_changed')).toEqual([{ type: 'auth.password_changed', subject: userId, data: { userId } }]);
  });

  it('reuse of a rotated refresh token writes auth.refresh_reuse_detected', async () => {
    const { userId } = await register();
    const first = await login();
    await invoke(h.auth.refresh, { refreshToken: first.tokens?.refreshToken ?? '', clientIp: '' });
    await expect(invoke(h.auth.refresh, { refreshToken: first.tokens?.refreshToken ?? '', clientIp: '' })).rejects.toMatchObject({ code: 'unauthenticated' });
    const reuse = (await summary()).filter((event) => event.type === 'auth.refresh_reuse_detected');
    expect(reuse).toEqual([{ type: 'auth.refresh_reuse_detected', subject: userId, data: { userId, sessionId: first.sessionId, familyId: expect.any(String) as unknown } }]);
  });

  it('no event carries an email or a password', async () => {
    const { userId } = await register();
    const { sessionId } = await login();
    await expect(login('wrong-password-entirely')).rejects.toMatchObject({ code: 'unauthenticated' });
    await invoke(h.auth.changePassword, { userId, sessionId, currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    await invoke(h.auth.revokeAllSessions, { userId });
    const rows = await h.outbox();
    expect(new Set(rows.map((row) => row.event.type)).size).toBe(5);
    const serialized = rows.map((row) => row.serialized).join('\n');
    for (const secret of ['@', 'secret', 'Ada', PASSWORD, NEW_PASSWORD, 'wrong-password-entirely']) expect(serialized).not.toContain(secret);
  });
});
