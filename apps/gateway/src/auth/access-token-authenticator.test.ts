import type { JSONWebKeySet } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { AccessTokenIssuer, generateSigningKey, importSigningKey, SigningKeyRing, type SigningKey } from '@coffer/access-tokens';
import { AccessTokenAuthenticator, type JwksSource, type SessionChecker } from './access-token-authenticator.js';

const settings = {
  issuer: 'coffer-test',
  audience: 'coffer-api',
  clockToleranceSeconds: 30,
  jwksRefetchCooldownMs: 10_000,
  sessionCheckCacheMs: 1_000,
  verifiedTokenCacheSize: 3,
};

/** Counts calls so the caching rules can be asserted. */
class CountingJwks implements JwksSource {
  calls = 0;
  down = false;
  constructor(public keySet: JSONWebKeySet) {}
  fetch(): Promise<JSONWebKeySet> {
    this.calls += 1;
    return this.down ? Promise.reject(new Error('UNAVAILABLE')) : Promise.resolve(this.keySet);
  }
}

class Sessions implements SessionChecker {
  revoked = new Set<string>();
  calls = 0;
  down = false;
  isActive(sessionId: string): Promise<boolean> {
    this.calls += 1;
    if (this.down) return Promise.reject(new Error('connect ECONNREFUSED'));
    return Promise.resolve(!this.revoked.has(sessionId));
  }
}

describe('AccessTokenAuthenticator', () => {
  let now: number;
  let key: SigningKey;
  let jwks: CountingJwks;
  let sessions: Sessions;
  let authenticator: AccessTokenAuthenticator;
  const issue = async (signingKey: SigningKey, sessionId = 's1') =>
    (await new AccessTokenIssuer(new SigningKeyRing([signingKey], 600_000, () => new Date(now)), { ...settings, ttlSeconds: 600 }, () => new Date(now)).issue({ userId: 'u1', sessionId, admin: false })).token;

  beforeEach(async () => {
    now = Date.parse('2026-11-26T10:00:00Z');
    key = await importSigningKey(await generateSigningKey('ES256', new Date(now)));
    jwks = new CountingJwks(new SigningKeyRing([key], 600_000).jwks());
    sessions = new Sessions();
    authenticator = new AccessTokenAuthenticator(jwks, sessions, settings, () => now);
  });

  it('authenticates a valid bearer token of an active session', async () => {
    await expect(authenticator.authenticate(`Bearer ${await issue(key)}`)).resolves.toMatchObject({ userId: 'u1', sessionId: 's1', admin: false });
  });

  it.each([undefined, '', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b', 'bearer x.y.z'])('refuses the header %j', async (header) => {
    await expect(authenticator.authenticate(header)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('refuses the token of a revoked session within the cache bound', async () => {
    const token = await issue(key);
    await authenticator.authenticate(`Bearer ${token}`);
    sessions.revoked.add('s1');
    now += settings.sessionCheckCacheMs;
    await expect(authenticator.authenticate(`Bearer ${token}`)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('reuses a session answer for less than the cache bound, then asks again', async () => {
    const token = await issue(key);
    await authenticator.authenticate(`Bearer ${token}`);
    now += settings.sessionCheckCacheMs - 1;
    await authenticator.authenticate(`Bearer ${token}`);
    expect(sessions.calls).toBe(1);
    now += 1;
    await authenticator.authenticate(`Bearer ${token}`);
    expect(sessions.calls).toBe(2);
  });

  it('answers unavailable, not unauthenticated, when sessions cannot be checked', async () => {
    sessions.down = true;
    await expect(authenticator.authenticate(`Bearer ${await issue(key)}`)).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('fetches the JWKS once, and again for an unknown kid only after the cooldown', async () => {
    await authenticator.authenticate(`Bearer ${await issue(key)}`);
    expect(jwks.calls).toBe(1);

    const rotated = await importSigningKey(await generateSigningKey('ES256', new Date(now + 1)));
    jwks.keySet = new SigningKeyRing([key, rotated], 600_000).jwks();
    const tokenWithNewKey = await issue(rotated);
    await expect(authenticator.authenticate(`Bearer ${tokenWithNewKey}`)).rejects.toMatchObject({ code: 'unauthenticated' });
    expect(jwks.calls).toBe(1);

    now += settings.jwksRefetchCooldownMs;
    await expect(authenticator.authenticate(`Bearer ${tokenWithNewKey}`)).resolves.toMatchObject({ userId: 'u1' });
    expect(jwks.calls).toBe(2);
  });

  it('knows a token as verified only after it passed a signature check, and only until it expires', async () => {
    const token = await issue(key);
    expect(authenticator.isVerified(`Bearer ${token}`)).toBe(false);
    await authenticator.authenticate(`Bearer ${token}`);
    expect(authenticator.isVerified(`Bearer ${token}`)).toBe(true);
    expect([undefined, '', 'Basic dXNlcjpwYXNz', token].map((header) => authenticator.isVerified(header))).toEqual([false, false, false, false]);
    now += 600_000 + settings.clockToleranceSeconds * 1000;
    expect(authenticator.isVerified(`Bearer ${token}`)).toBe(false);
  });

  it('keeps a verified token only until it expires', async () => {
    const token = await issue(key);
    await authenticator.authenticate(`Bearer ${token}`);
    now += 600_000 + settings.clockToleranceSeconds * 1000 + 1_000;
    await expect(authenticator.authenticate(`Bearer ${token}`)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('refuses a token signed by a key that is not in the JWKS, however often it is presented', async () => {
    const stranger = await importSigningKey(await generateSigningKey('ES256', new Date(now)));
    const forged = await issue(stranger);
    for (let i = 0; i < 3; i += 1) await expect(authenticator.authenticate(`Bearer ${forged}`)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('answers unavailable while the JWKS cannot be fetched, asking at most once a second, and recovers', async () => {
    jwks.down = true;
    const token = await issue(key);
    await expect(authenticator.authenticate(`Bearer ${token}`)).rejects.toMatchObject({ code: 'unavailable' });
    await expect(authenticator.authenticate(`Bearer ${token}`)).rejects.toMatchObject({ code: 'unavailable' });
    expect(jwks.calls).toBe(1);
    jwks.down = false;
    now += 1_000;
    await expect(authenticator.authenticate(`Bearer ${token}`)).resolves.toMatchObject({ userId: 'u1' });
    expect(jwks.calls).toBe(2);
  });
});
