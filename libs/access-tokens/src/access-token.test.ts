import { createHmac } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { AccessTokenIssuer, AccessTokenVerifier } from './access-token.js';
import { generateSigningKey, importSigningKey, SigningKeyRing, type SigningKey } from './signing-keys.js';

const settings = { issuer: 'https://coffer.test', audience: 'coffer-api' };
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('access tokens', () => {
  let key: SigningKey;
  let ring: SigningKeyRing;
  let issuer: AccessTokenIssuer;
  let verifier: AccessTokenVerifier;

  beforeAll(async () => {
    key = await importSigningKey(await generateSigningKey('ES256'));
    ring = new SigningKeyRing([key], 900_000);
    issuer = new AccessTokenIssuer(ring, { ...settings, ttlSeconds: 600 });
    verifier = new AccessTokenVerifier(ring.jwks(), { ...settings, clockToleranceSeconds: 30 });
  });

  /** Signs arbitrary claims and header with our real key (to test claim checks, not signatures). */
  async function signed(claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
    const iat = nowSeconds();
    return new SignJWT({ sid: 's1', jti: 'j1', iss: settings.issuer, aud: settings.audience, sub: 'u1', iat, exp: iat + 600, ...claims })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid, ...header })
      .sign(key.privateKey);
  }

  it('issues a token with the required header and claims that verifies', async () => {
    const issued = await issuer.issue({ userId: 'u1', sessionId: 's1', admin: false });
    const [headerPart] = issued.token.split('.');
    expect(JSON.parse(Buffer.from(headerPart ?? '', 'base64url').toString())).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: key.kid });
    const claims = await verifier.verify(issued.token);
    expect(claims).toMatchObject({ sub: 'u1', sid: 's1', jti: issued.jti, admin: false });
    expect(claims.exp - claims.iat).toBe(600);
  });

  it('verifies EdDSA keys too', async () => {
    const edKey = await importSigningKey(await generateSigningKey('EdDSA'));
    const edRing = new SigningKeyRing([edKey], 900_000);
    const token = (await new AccessTokenIssuer(edRing, { ...settings, ttlSeconds: 60 }).issue({ userId: 'u', sessionId: 's', admin: true })).token;
    await expect(new AccessTokenVerifier(edRing.jwks(), { ...settings, clockToleranceSeconds: 0 }).verify(token)).resolves.toMatchObject({ admin: true });
  });

  describe('refuses every forged or misused token with the same unauthenticated error', () => {
    const refuse = async (token: string) => {
      await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'unauthenticated', detail: 'The access token is invalid or expired.' });
    };

    it('alg none', async () => {
      const iat = nowSeconds();
      await refuse(`${b64({ alg: 'none', typ: 'at+jwt', kid: key.kid })}.${b64({ sub: 'u1', sid: 's1', jti: 'j', iss: settings.issuer, aud: settings.audience, iat, exp: iat + 60 })}.`);
    });

    it('HS256 signed with the public key as the secret', async () => {
      const iat = nowSeconds();
      const signingInput = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: key.kid })}.${b64({ sub: 'admin', sid: 's1', jti: 'j', iss: settings.issuer, aud: settings.audience, iat, exp: iat + 60 })}`;
      for (const secret of [JSON.stringify(key.publicJwk), key.publicJwk.x ?? '']) {
        await refuse(`${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`);
      }
    });

    it('unknown kid', async () => refuse(await signed({}, { kid: 'not-a-key-we-have' })));

    it.each(['jwk', 'jku', 'x5u'])('a %s header pointing at the attacker key', async (headerName) => {
      const attacker = await generateKeyPair('ES256', { extractable: true });
      const attackerJwk = await exportJWK(attacker.publicKey);
      const value = headerName === 'jwk' ? attackerJwk : 'https://attacker.example/keys.json';
      const iat = nowSeconds();
      const token = await new SignJWT({ sid: 's1', jti: 'j1', iss: settings.issuer, aud: settings.audience, sub: 'admin', iat, exp: iat + 60 })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid, [headerName]: value })
        .sign(attacker.privateKey);
      await refuse(token);
    });

    it('wrong iss', async () => refuse(await signed({ iss: 'https://evil.example' })));
    it('wrong aud', async () => refuse(await signed({ aud: 'another-api' })));
    it('wrong typ', async () => refuse(await signed({}, { typ: 'JWT' })));
    it('missing typ', async () => refuse(await signed({}, { typ: undefined })));
    it('missing sid', async () => refuse(await signed({ sid: undefined })));
    it('a refresh token presented as an access token', async () => refuse(`crt_${Buffer.alloc(32, 7).toString('base64url')}`));
    it('exp just outside the allowed skew', async () => refuse(await signed({ exp: nowSeconds() - 31 })));
    it('nbf just outside the allowed skew', async () => refuse(await signed({ nbf: nowSeconds() + 32 })));
    it('a tampered payload', async () => {
      const [header, , signature] = (await signed({})).split('.');
      const iat = nowSeconds();
      await refuse(`${header}.${b64({ sid: 's1', jti: 'j1', iss: settings.issuer, aud: settings.audience, sub: 'someone-else', iat, exp: iat + 600 })}.${signature}`);
    });
  });

  it('accepts exp and nbf just inside the allowed skew', async () => {
    await expect(verifier.verify(await signed({ exp: nowSeconds() - 20 }))).resolves.toMatchObject({ sub: 'u1' });
    await expect(verifier.verify(await signed({ nbf: nowSeconds() + 20 }))).resolves.toMatchObject({ sub: 'u1' });
  });
});

describe('signing key rotation', () => {
  it('a new key signs while the retired key keeps verifying until its tokens expire', async () => {
    let now = new Date('2026-11-26T10:00:00Z');
    const clock = () => now;
    const oldKey = await importSigningKey(await generateSigningKey('ES256', new Date('2026-11-01T00:00:00Z')));
    const oldToken = await new AccessTokenIssuer(new SigningKeyRing([oldKey], 600_000, clock), { ...settings, ttlSeconds: 600 }, clock).issue({ userId: 'u', sessionId: 's', admin: false });

    const newKey = await importSigningKey(await generateSigningKey('ES256', new Date('2026-11-26T09:59:00Z')));
    const rotated = new SigningKeyRing([{ ...oldKey, retiredAt: now }, newKey], 600_000, clock);
    expect(rotated.activeKey().kid).toBe(newKey.kid);
    expect(rotated.jwks().keys.map((k) => k.kid).sort()).toEqual([oldKey.kid, newKey.kid].sort());
    await expect(new AccessTokenVerifier(rotated.jwks(), { ...settings, clockToleranceSeconds: 0 }, clock).verify(oldToken.token)).resolves.toMatchObject({ sub: 'u' });

    now = new Date(now.getTime() + 601_000);
    expect(rotated.jwks().keys.map((k) => k.kid)).toEqual([newKey.kid]);
    await expect(new AccessTokenVerifier(rotated.jwks(), { ...settings, clockToleranceSeconds: 0 }, clock).verify(oldToken.token)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('refuses a ring without an active key, duplicate kids, and public-only keys', async () => {
    const stored = await generateSigningKey();
    const key = await importSigningKey(stored);
    expect(() => new SigningKeyRing([{ ...key, retiredAt: new Date(0) }], 1)).toThrow(/no active/);
    expect(() => new SigningKeyRing([key, key], 1)).toThrow(/duplicate kid/);
    const { d: _d, ...publicOnly } = stored.privateJwk;
    await expect(importSigningKey({ ...stored, privateJwk: publicOnly })).rejects.toThrow(/not a private key/);
  });

  it('never publishes private key material in the JWKS', async () => {
    const ring = new SigningKeyRing([await importSigningKey(await generateSigningKey('ES256'))], 1000);
    for (const jwk of ring.jwks().keys) expect(jwk).not.toHaveProperty('d');
  });
});
