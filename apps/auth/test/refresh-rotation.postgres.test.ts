import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTemporaryPostgresDatabase, type TemporaryPostgresDatabase } from '@coffer/testing';
import { invoke, startAuthHarness, type AuthHarness } from '../src/auth-service.fixture.js';

/**
 * Refresh-token rotation on the real PostgreSQL server, where two rotations really run in
 * parallel on two connections (PGlite serialises them): of two concurrent refreshes with the
 * same token exactly one succeeds, every time.
 */
describe('refresh rotation on PostgreSQL', () => {
  let database: TemporaryPostgresDatabase;
  let h: AuthHarness;
  let userId: string;

  beforeAll(async () => {
    database = await createTemporaryPostgresDatabase('coffer_auth_test');
    h = await startAuthHarness(database.url);
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
    expect(h.events.filter((event) => event.type === 'auth.refresh_reuse_detected')).toHaveLength(100);
  }, 300_000);

  it('reuse of a rotated token revokes the family on PostgreSQL too', async () => {
    const first = await invoke(h.auth.login, { email: 'race@example.com', password: 'tangerine-orbit-quarry-57', clientIp: '10.9.9.9', userAgent: 'reuse' });
    const second = await invoke(h.auth.refresh, { refreshToken: first.tokens?.refreshToken ?? '', clientIp: '' });
    await expect(invoke(h.auth.refresh, { refreshToken: first.tokens?.refreshToken ?? '', clientIp: '' })).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(invoke(h.auth.refresh, { refreshToken: second.tokens?.refreshToken ?? '', clientIp: '' })).rejects.toMatchObject({ code: 'unauthenticated' });
    const sessions = await invoke(h.auth.listSessions, { userId });
    expect(sessions.sessions.map((session) => session.id)).not.toContain(first.sessionId);
  });
});
