import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase, migrate, type Database } from '@coffer/db';
import { MemoryRateLimiter, type RateLimitRule } from '@coffer/rate-limit';
import { AppError } from '@coffer/platform';
import { clearAuthTables, invoke, startAuthHarness, testPasswordHasher, type AuthHarness } from './auth-service.fixture.js';
import type { PasswordHasher } from './passwords/password-hasher.js';
import { AUTH_SCHEMA, authMigrations } from './credentials/auth-migrations.js';
import { MemorySessionStore } from '@coffer/session-store';
import { KnexRefreshTokenRepository } from './refresh/refresh-token-repository.js';

const PASSWORD = 'tangerine-orbit-quarry-57';

describe('AuthService (embedded database, session store and rate limiter)', () => {
  let h: AuthHarness;
  let db: Database;
  beforeAll(async () => {
    db = await createDatabase('pglite://memory');
    await migrate(db, { schema: AUTH_SCHEMA, migrations: authMigrations });
  }, 120_000);
  afterAll(() => db.close());
  beforeEach(async () => {
    await clearAuthTables(db);
    h = await startAuthHarness(db);
  });
  afterEach(() => h.close());

  const register = (email = 'ada@example.com', password = PASSWORD) =>
    invoke(h.auth.register, { email, password, displayName: 'Ada Lovelace', clientIp: '192.0.2.1' });
  const login = (email = 'ada@example.com', password = PASSWORD, clientIp = '192.0.2.1') =>
    invoke(h.auth.login, { email, password, clientIp, userAgent: 'vitest' });

  describe('register', () => {
    it('creates the profile and credentials, and the user can sign in', async () => {
      const { userId } = await register();
      expect(h.users.users.get(userId)?.email).toBe('ada@example.com');
      await expect(login()).resolves.toMatchObject({ userId });
      expect(await h.eventTypes()).toContain('auth.user_registered');
    });

    it('refuses a weak password before creating anything', async () => {
      await expect(register('ada@example.com', 'password1234')).rejects.toMatchObject({ code: 'invalid_argument', detail: expect.stringMatching(/^password: /) as unknown });
      expect(h.users.users.size).toBe(0);
    });

    it('limits sign-ups per client address (429 with a retry delay)', async () => {
      for (let n = 0; n < 5; n += 1) await register(`user${n}@example.com`);
      const refused = await register('one-too-many@example.com').catch((error: unknown) => error);
      expect(refused).toMatchObject({ code: 'rate_limited' });
      expect((refused as { retryAfterSeconds?: number }).retryAfterSeconds).toBeGreaterThan(0);
      expect([...h.users.users.values()].map((user) => user.email)).not.toContain('one-too-many@example.com');
    });

    it('answers conflict for a taken email', async () => {
      await register();
      await expect(register('ADA@example.com')).rejects.toMatchObject({ code: 'conflict' });
    });
  });

  describe('login', () => {
    it('returns an at+jwt access token for the session and an opaque refresh token', async () => {
      const { userId } = await register();
      const response = await login();
      const claims = await h.verifier.verify(response.tokens?.accessToken ?? '');
      expect(claims).toMatchObject({ sub: userId, sid: response.sessionId });
      expect(response.tokens?.refreshToken).toMatch(/^crt_[A-Za-z0-9_-]{43}$/);
      await expect(h.sessions.isActive(response.sessionId)).resolves.toBe(true);
    });

    it('gives the same answer for an unknown email and a wrong password', async () => {
      await register();
      const unknown = await login('nobody@example.com').catch((error: unknown) => error);
      const wrong = await login('ada@example.com', 'not-the-password-123').catch((error: unknown) => error);
      expect(unknown).toMatchObject({ code: 'unauthenticated', detail: 'Email or password is incorrect.' });
      expect(wrong).toMatchObject({ code: 'unauthenticated', detail: 'Email or password is incorrect.' });
      expect(await h.counter('auth_logins_total', { outcome: 'bad_credentials' })).toBe(2);
      await login();
      expect(await h.counter('auth_logins_total', { outcome: 'succeeded' })).toBe(1);
    });

    it('throttles an account after repeated failures, with a retry delay, whoever asks', async () => {
      await register();
      for (let attempt = 0; attempt < 5; attempt += 1) await expect(login('ada@example.com', 'wrong-password-000', `198.51.100.${attempt}`)).rejects.toMatchObject({ code: 'unauthenticated' });
      const throttled = await login('ada@example.com', PASSWORD, '203.0.113.9').catch((error: unknown) => error);
      expect(throttled).toMatchObject({ code: 'rate_limited' });
      expect((throttled as { retryAfterSeconds?: number }).retryAfterSeconds).toBeGreaterThan(0);
      expect(await h.counter('auth_logins_total', { outcome: 'throttled' })).toBe(1);
      expect(await h.counter('auth_logins_total', { outcome: 'bad_credentials' })).toBe(5);
    });

    it('a success clears the account counter', async () => {
      await register();
      for (let attempt = 0; attempt < 4; attempt += 1) await expect(login('ada@example.com', 'wrong-password-000')).rejects.toMatchObject({ code: 'unauthenticated' });
      await login();
      for (let attempt = 0; attempt < 4; attempt += 1) await expect(login('ada@example.com', 'wrong-password-000')).rejects.toMatchObject({ code: 'unauthenticated' });
      await expect(login()).resolves.toBeDefined();
    });

    it('refuses a deleted account like an unknown one', async () => {
      const { userId } = await register();
      const user = h.users.users.get(userId);
      if (user) h.users.users.set(userId, { ...user, deletedAt: new Date() });
      await expect(login()).rejects.toMatchObject({ code: 'unauthenticated', detail: 'Email or password is incorrect.' });
    });
  });

  describe('refresh', () => {
    it('rotates: the new token works once, the old one no longer does', async () => {
      await register();
      const first = await login();
      const second = await invoke(h.auth.refresh, { refreshToken: first.tokens?.refreshToken ?? '', clientIp: '' });
      expect(second.tokens?.refreshToken).not.toBe(first.tokens?.refreshToken);
      await expect(h.verifier.verify(second.tokens?.accessToken ?? '')).resolves.toMatchObject({ sid: first.sessionId });
      await expect(invoke(h.auth.refresh, { refreshToken: second.tokens?.refreshToken ?? '', clientIp: '' })).resolves.toBeDefined();
    });

    it('reuse of a rotated token revokes the whole family and the session, and emits an event', async () => {
      await register();
      const first = await login();
      const second = await invoke(h.auth.refresh, { refreshToken: first.tokens?.refreshToken ?? '', clientIp: '' });
      await expect(invoke(h.auth.refresh, { refreshToken: first.tokens?.refreshToken ?? '', clientIp: '' })).rejects.toMatchObject({ code: 'unauthenticated' });
      await expect(invoke(h.auth.refresh, { refreshToken: second.tokens?.refreshToken ?? '', clientIp: '' })).rejects.toMatchObject({ code: 'unauthenticated' });
      await expect(h.sessions.isActive(first.sessionId)).resolves.toBe(false);
      expect(await h.eventTypes()).toContain('auth.refresh_reuse_detected');
      expect(await h.counter('auth_refresh_reuse_detections_total')).toBe(1);
    });

    it.each([['garbage'], ['crt_short'], [`crt_${'A'.repeat(43)}`]])('refuses %s', async (token) => {
      await expect(invoke(h.auth.refresh, { refreshToken: token, clientIp: '' })).rejects.toMatchObject({ code: 'unauthenticated' });
    });

    it('refuses the refresh token of a logged-out session', async () => {
      await register();
      const first = await login();
      await invoke(h.auth.logout, { sessionId: first.sessionId });
      await expect(invoke(h.auth.refresh, { refreshToken: first.tokens?.refreshToken ?? '', clientIp: '' })).rejects.toMatchObject({ code: 'unauthenticated' });
    });
  });

  describe('sessions', () => {
    it('logout ends the session at once for CheckSession', async () => {
      await register();
      const { sessionId } = await login();
      await expect(invoke(h.auth.checkSession, { sessionId })).resolves.toEqual({ active: true });
      await invoke(h.auth.logout, { sessionId });
      await expect(invoke(h.auth.checkSession, { sessionId })).resolves.toEqual({ active: false });
    });

    it('lists and revokes all sessions of a user', async () => {
      const { userId } = await register();
      const a = await login();
      const b = await login();
      const listed = await invoke(h.auth.listSessions, { userId });
      expect(listed.sessions.map((session) => session.id).sort()).toEqual([a.sessionId, b.sessionId].sort());
      await expect(invoke(h.auth.revokeAllSessions, { userId })).resolves.toEqual({ revoked: 2 });
      await expect(invoke(h.auth.checkSession, { sessionId: a.sessionId })).resolves.toEqual({ active: false });
      await expect(invoke(h.auth.refresh, { refreshToken: b.tokens?.refreshToken ?? '', clientIp: '' })).rejects.toMatchObject({ code: 'unauthenticated' });
    });

    it('bounds live sessions per user: past the cap a login evicts the oldest session and its refresh family', async () => {
      const capped = await startAuthHarness(db, { sessions: new MemorySessionStore({ maxSessionsPerUser: 2 }) });
      try {
        const { userId } = await invoke(capped.auth.register, { email: 'cap@example.com', password: PASSWORD, displayName: 'Cap', clientIp: '192.0.2.9' });
        const logins = [];
        for (let n = 0; n < 4; n += 1) logins.push(await invoke(capped.auth.login, { email: 'cap@example.com', password: PASSWORD, clientIp: '192.0.2.9', userAgent: 'vitest' }));
        const listed = await invoke(capped.auth.listSessions, { userId });
        expect(listed.sessions.map((session) => session.id)).toEqual([logins[2]?.sessionId, logins[3]?.sessionId]);
        await expect(invoke(capped.auth.checkSession, { sessionId: logins[0]?.sessionId ?? '' })).resolves.toEqual({ active: false });
        await expect(invoke(capped.auth.refresh, { refreshToken: logins[1]?.tokens?.refreshToken ?? '', clientIp: '' })).rejects.toMatchObject({ code: 'unauthenticated' });
        const evictions = (await capped.outbox()).filter((row) => row.event.type === 'auth.session_revoked' && row.serialized.includes('session-evicted'));
        expect(evictions).toHaveLength(2);
      } finally {
        await capped.close();
      }
    });

    it('changing the password keeps this session and revokes the others', async () => {
      const { userId } = await register();
      const keep = await login();
      const other = await login();
      await invoke(h.auth.changePassword, { userId, currentPassword: PASSWORD, newPassword: 'violet-harbor-engine-93', sessionId: keep.sessionId });
      await expect(invoke(h.auth.checkSession, { sessionId: keep.sessionId })).resolves.toEqual({ active: true });
      await expect(invoke(h.auth.checkSession, { sessionId: other.sessionId })).resolves.toEqual({ active: false });
      await expect(invoke(h.auth.refresh, { refreshToken: other.tokens?.refreshToken ?? '', clientIp: '' })).rejects.toMatchObject({ code: 'unauthenticated' });
      await expect(login()).rejects.toMatchObject({ code: 'unauthenticated' });
      await expect(login('ada@example.com', 'violet-harbor-engine-93')).resolves.toBeDefined();
    });

    it('refuses a password change with the wrong current password, naming the field', async () => {
      const { userId } = await register();
      const { sessionId } = await login();
      await expect(invoke(h.auth.changePassword, { userId, currentPassword: 'wrong-password-000', newPassword: 'violet-harbor-engine-93', sessionId })).rejects.toMatchObject({
        code: 'invalid_argument',
        detail: 'currentPassword: is incorrect.',
      });
    });

    it('throttles password checks per account, not per a shared address', async () => {
      const { userId } = await register();
      const other = await register('grace@example.com');
      const { sessionId } = await login();
      for (let n = 0; n < 5; n += 1) {
        await expect(invoke(h.auth.changePassword, { userId, currentPassword: 'wrong-password-000', newPassword: 'violet-harbor-engine-93', sessionId })).rejects.toMatchObject({ code: 'invalid_argument' });
      }
      await expect(invoke(h.auth.changePassword, { userId, currentPassword: PASSWORD, newPassword: 'violet-harbor-engine-93', sessionId })).rejects.toMatchObject({ code: 'rate_limited' });
      const graceSession = await login('grace@example.com');
      await expect(invoke(h.auth.changePassword, { userId: other.userId, currentPassword: PASSWORD, newPassword: 'violet-harbor-engine-93', sessionId: graceSession.sessionId })).resolves.toEqual({});
    });
  });

  it('deletes expired refresh tokens and long-revoked families, and nothing live', async () => {
    await register();
    const live = await login();
    const ended = await login();
    await invoke(h.auth.logout, { sessionId: ended.sessionId });
    const repository = new KnexRefreshTokenRepository(db);
    expect(await repository.deleteExpired(new Date(Date.now() - 60_000))).toBe(0);
    // A cutoff in the future: the revoked family goes (its token with it, by cascade); the live
    // family's token expires later than this cutoff, so it stays and still refreshes.
    expect(await repository.deleteExpired(new Date(Date.now() + 60_000))).toBe(1);
    const left = await db.knex.withSchema(AUTH_SCHEMA).table('refresh_tokens').count<{ count: string }[]>('* as count');
    expect(Number(left[0]?.count)).toBe(1);
    await expect(invoke(h.auth.refresh, { refreshToken: live.tokens?.refreshToken ?? '', clientIp: '' })).resolves.toBeDefined();
  });

  it('publishes the JWKS without private material', async () => {
    const { jwksJson } = await invoke(h.auth.getJwks, {});
    const jwks = JSON.parse(jwksJson) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).not.toHaveProperty('d');
    expect(jwks.keys[0]).toMatchObject({ alg: 'ES256', use: 'sig' });
  });

  describe('attempts whose password was never checked (a dependency failed after admit)', () => {
    /** Argon2id whose verify fails (as a crashed worker would) while `failing` is set. */
    class FlakyHasher implements PasswordHasher {
      failing = false;
      private readonly inner = testPasswordHasher();
      hash(password: string): Promise<string> {
        return this.inner.hash(password);
      }
      verify(storedHash: string, password: string): Promise<boolean> {
        return this.failing ? Promise.reject(new AppError('unavailable', { detail: 'The hasher is unavailable.', retryAfterSeconds: 1 })) : this.inner.verify(storedHash, password);
      }
      verifyUnknownAccount(password: string): Promise<false> {
        return this.inner.verifyUnknownAccount(password);
      }
      needsRehash(storedHash: string): boolean {
        return this.inner.needsRehash(storedHash);
      }
    }

    /** The real memory limiter, except that refunds fail (the limiter's store went away in between). */
    class RefundFailingLimiter extends MemoryRateLimiter {
      override refund(_key: string, _rule: RateLimitRule): Promise<void> {
        return Promise.reject(new AppError('unavailable', { detail: 'The rate limiter is unavailable.', retryAfterSeconds: 1 }));
      }
    }

    let flaky: AuthHarness;
    let hasher: FlakyHasher;
    beforeEach(async () => {
      hasher = new FlakyHasher();
      flaky = await startAuthHarness(db, { hasher, throttleRules: { failuresPerAccount: 3, attemptsPerAddress: 20 } });
    });
    afterEach(() => flaky.close());

    const flakyLogin = (password = PASSWORD, clientIp = '192.0.2.1') => invoke(flaky.auth.login, { email: 'ada@example.com', password, clientIp, userAgent: 'vitest' });
    const changePassword = (userId: string, sessionId: string, currentPassword: string) =>
      invoke(flaky.auth.changePassword, { userId, currentPassword, newPassword: 'violet-harbor-engine-93', sessionId });

    it('a user lookup failing with unavailable uses up neither the account nor the address budget', async () => {
      await invoke(flaky.auth.register, { email: 'ada@example.com', password: PASSWORD, displayName: 'Ada Lovelace', clientIp: '192.0.2.1' });
      flaky.users.unavailable = true;
      for (let attempt = 0; attempt < 25; attempt += 1) await expect(flakyLogin()).rejects.toMatchObject({ code: 'unavailable' });
      flaky.users.unavailable = false;
      await expect(flakyLogin()).resolves.toBeDefined();

      // The actor who must be refused still is: three wrong passwords, then 429 even with the right one.
      for (let attempt = 0; attempt < 3; attempt += 1) await expect(flakyLogin('wrong-password-000')).rejects.toMatchObject({ code: 'unauthenticated' });
      await expect(flakyLogin()).rejects.toMatchObject({ code: 'rate_limited' });
      expect(await flaky.counter('auth_logins_total', { outcome: 'bad_credentials' })).toBe(3);
    });

    it('a failing password check gives the attempt back too, at login and at a password change', async () => {
      const { userId } = await invoke(flaky.auth.register, { email: 'ada@example.com', password: PASSWORD, displayName: 'Ada Lovelace', clientIp: '192.0.2.1' });
      const { sessionId } = await flakyLogin();
      hasher.failing = true;
      for (let attempt = 0; attempt < 5; attempt += 1) {
        await expect(flakyLogin()).rejects.toMatchObject({ code: 'unavailable' });
        await expect(changePassword(userId, sessionId, PASSWORD)).rejects.toMatchObject({ code: 'unavailable' });
      }
      hasher.failing = false;
      for (let attempt = 0; attempt < 2; attempt += 1) await expect(changePassword(userId, sessionId, 'wrong-password-000')).rejects.toMatchObject({ code: 'invalid_argument' });
      await expect(changePassword(userId, sessionId, PASSWORD)).resolves.toEqual({});
    });

    it('a refund that fails is logged and does not replace the original error', async () => {
      const limiter = new RefundFailingLimiter();
      const broken = await startAuthHarness(db, { limiter, throttleRules: { failuresPerAccount: 3 } });
      try {
        await invoke(broken.auth.register, { email: 'ada@example.com', password: PASSWORD, displayName: 'Ada Lovelace', clientIp: '192.0.2.1' });
        broken.users.unavailable = true;
        await expect(invoke(broken.auth.login, { email: 'ada@example.com', password: PASSWORD, clientIp: '192.0.2.1', userAgent: 'vitest' })).rejects.toMatchObject({
          code: 'unavailable',
          detail: 'The user service is unavailable.',
        });
      } finally {
        await broken.close();
      }
    });
  });
});
