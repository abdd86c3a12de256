import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { ensureDevCertificates } from '@coffer/pki';
import { ALL_SERVICES } from '@coffer/platform';
import { restOperations } from '@coffer/contracts';
import { launchPlatform, type RunningPlatform } from '../src/launch-platform.js';
import { contractViolations } from '../src/contract-response-validator.js';

/**
 * Identity end to end through the gateway's REST API: eight real processes over mTLS, the user
 * and auth services on embedded PostgreSQL (PGlite), sessions and rate limits embedded.
 */
describe('identity through the REST API', () => {
  const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const workDir = mkdtempSync(join(tmpdir(), 'coffer-e2e-identity-'));
  let platform: RunningPlatform;
  let base: string;
  const password = 'tangerine-orbit-quarry-57';

  const violations: string[] = [];
  /** Calls the gateway; every answer is checked against the contract (asserted in afterAll). */
  const json = async (method: string, path: string, body?: unknown, token?: string): Promise<Response> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.clone().text();
    violations.push(...contractViolations(method, `${base}${path}`, response.status, text === '' ? undefined : (JSON.parse(text) as unknown)));
    return response;
  };
  const problem = async (response: Response) => ({ status: response.status, body: (await response.json()) as Record<string, unknown> });

  beforeAll(async () => {
    await ensureDevCertificates(join(workDir, 'certs'), ALL_SERVICES);
    platform = launchPlatform({
      rootDir,
      certDir: join(workDir, 'certs'),
      dataDir: join(workDir, 'data'),
      portOffset: 11_000,
      env: {
        COFFER_LOG_LEVEL: 'warn',
        COFFER_SESSION_CHECK_CACHE_MS: '1000',
        // Every request comes from 127.0.0.1 here: raise the per-address limits (tested on their own elsewhere).
        COFFER_RATE_LIMIT_CREDENTIALS: '1000',
        COFFER_RATE_LIMIT_ANONYMOUS: '1000',
        COFFER_RATE_LIMIT_BAD_TOKENS: '1000',
        COFFER_SIGNUPS_PER_ADDRESS: '1000',
        COFFER_LOGIN_ATTEMPTS_PER_ADDRESS: '1000',
        COFFER_ADMIN_EMAILS: 'admin@example.com',
      },
      onLine: () => undefined,
    });
    await platform.waitUntilHealthy(90_000);
    base = platform.gatewayUrl;
  }, 120_000);

  afterAll(async () => {
    await platform.stop();
    expect(violations, 'responses that break openapi/coffer.yaml').toEqual([]);
    rmSync(workDir, { recursive: true, force: true });
  });

  it('signs up, signs in, reads the profile, refreshes, and logs out with immediate effect', async () => {
    const signUp = await json('POST', '/v1/users', { email: 'Ada@Example.com', displayName: 'Ada Lovelace', password });
    expect(signUp.status).toBe(201);
    const user = (await signUp.json()) as { id: string; email: string };
    expect(user.email).toBe('Ada@example.com');

    const login = await json('POST', '/v1/auth/login', { email: 'ada@example.com', password });
    expect(login.status).toBe(200);
    expect(login.headers.get('cache-control')).toBe('no-store');
    const tokens = (await login.json()) as { accessToken: string; refreshToken: string; expiresIn: number; tokenType: string };
    expect(tokens.tokenType).toBe('Bearer');
    expect(tokens.expiresIn).toBeGreaterThan(500);

    const me = await json('GET', '/v1/users/me', undefined, tokens.accessToken);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: user.id, displayName: 'Ada Lovelace', admin: false });

    const sessions = (await (await json('GET', '/v1/auth/sessions', undefined, tokens.accessToken)).json()) as { sessions: { current: boolean }[] };
    expect(sessions.sessions.filter((session) => session.current)).toHaveLength(1);

    const refreshed = await json('POST', '/v1/auth/refresh', { refreshToken: tokens.refreshToken });
    expect(refreshed.status).toBe(200);
    const next = (await refreshed.json()) as { accessToken: string; refreshToken: string };
    expect(next.refreshToken).not.toBe(tokens.refreshToken);

    expect((await json('POST', '/v1/auth/logout', undefined, next.accessToken)).status).toBe(204);
    // This gateway forgets the session at once; any other gateway within COFFER_SESSION_CHECK_CACHE_MS.
    expect((await json('GET', '/v1/users/me', undefined, next.accessToken)).status).toBe(401);
    expect((await json('GET', '/v1/users/me', undefined, tokens.accessToken)).status).toBe(401);
    expect((await json('POST', '/v1/auth/refresh', { refreshToken: next.refreshToken })).status).toBe(401);
  });

  it('reusing a rotated refresh token revokes the family and the session', async () => {
    await json('POST', '/v1/users', { email: 'reuse@example.com', displayName: 'Reuse', password });
    const first = (await (await json('POST', '/v1/auth/login', { email: 'reuse@example.com', password })).json()) as { accessToken: string; refreshToken: string };
    const second = (await (await json('POST', '/v1/auth/refresh', { refreshToken: first.refreshToken })).json()) as { accessToken: string; refreshToken: string };
    expect((await json('POST', '/v1/auth/refresh', { refreshToken: first.refreshToken })).status).toBe(401);
    expect((await json('POST', '/v1/auth/refresh', { refreshToken: second.refreshToken })).status).toBe(401);
    await new Promise((resolveWait) => setTimeout(resolveWait, 1_100));
    expect((await json('GET', '/v1/users/me', undefined, second.accessToken)).status).toBe(401);
  });

  it('gives the same 401 for an unknown email and a wrong password, and never says which', async () => {
    await json('POST', '/v1/users', { email: 'grace@example.com', displayName: 'Grace', password });
    const unknown = await problem(await json('POST', '/v1/auth/login', { email: 'nobody@example.com', password }));
    const wrong = await problem(await json('POST', '/v1/auth/login', { email: 'grace@example.com', password: 'not-the-password-1' }));
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body['detail']).toBe(wrong.body['detail']);
    expect(unknown.body['code']).toBe('unauthenticated');
  });

  it('answers bad input with a 400 problem naming the field, 415 for another content type, 409 for a taken email', async () => {
    expect(await problem(await json('POST', '/v1/users', { email: 'not-an-email', displayName: 'X', password }))).toMatchObject({
      status: 400,
      body: { code: 'invalid_argument', detail: 'email: must be a valid email.' },
    });
    expect(await problem(await json('POST', '/v1/users', { email: 'x@example.com', password }))).toMatchObject({ status: 400, body: { detail: 'displayName: is required.' } });
    expect(await problem(await json('POST', '/v1/users', { email: 'x@example.com', displayName: 'X', password, admin: true }))).toMatchObject({
      status: 400,
      body: { detail: 'admin: is not allowed.' },
    });
    expect(await problem(await json('POST', '/v1/users', { email: 'x@example.com', displayName: 'X'.repeat(101), password }))).toMatchObject({ status: 400 });
    const malformed = await fetch(`${base}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' });
    expect(await problem(malformed)).toMatchObject({ status: 400, body: { code: 'invalid_argument' } });
    const wrongType = await fetch(`${base}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'email=x' });
    expect(wrongType.status).toBe(415);
    await json('POST', '/v1/users', { email: 'taken@example.com', displayName: 'First', password });
    expect((await json('POST', '/v1/users', { email: 'TAKEN@example.com', displayName: 'Second', password })).status).toBe(409);
  });

  it('serves the JWKS publicly, and refuses admin operations to a non-admin', async () => {
    const jwks = await json('GET', '/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    const keys = (await jwks.json()) as { keys: Record<string, unknown>[] };
    expect(keys.keys[0]).toMatchObject({ kty: 'EC', alg: 'ES256', use: 'sig' });
    expect(keys.keys[0]).not.toHaveProperty('d');

    await json('POST', '/v1/users', { email: 'plain@example.com', displayName: 'Plain', password });
    const { accessToken } = (await (await json('POST', '/v1/auth/login', { email: 'plain@example.com', password })).json()) as { accessToken: string };
    expect((await json('GET', '/v1/users', undefined, accessToken)).status).toBe(403);
    expect((await json('GET', '/v1/users/00000000-0000-4000-8000-000000000000', undefined, accessToken)).status).toBe(403);
  });

  it('policy statements: a non-admin may not list, write or delete them (403, nothing stored); an admin may', async () => {
    await json('POST', '/v1/users', { email: 'not-admin@example.com', displayName: 'Not Admin', password });
    const { accessToken } = (await (await json('POST', '/v1/auth/login', { email: 'not-admin@example.com', password })).json()) as { accessToken: string };
    const allowEverything = { effect: 'allow', principals: ['*'], actions: ['file:*'], resources: ['file/*'] };
    expect(await problem(await json('PUT', '/v1/admin/policy-statements/everyone-reads-all', allowEverything, accessToken))).toMatchObject({ status: 403 });
    expect((await json('GET', '/v1/admin/policy-statements', undefined, accessToken)).status).toBe(403);
    expect((await json('DELETE', '/v1/admin/policy-statements/everyone-reads-all', undefined, accessToken)).status).toBe(403);

    await json('POST', '/v1/users', { email: 'admin@example.com', displayName: 'Admin', password });
    const admin = ((await (await json('POST', '/v1/auth/login', { email: 'admin@example.com', password })).json()) as { accessToken: string }).accessToken;
    const listed = (await (await json('GET', '/v1/admin/policy-statements', undefined, admin)).json()) as { statements: { id: string }[] };
    expect(listed.statements.map((statement) => statement.id)).not.toContain('everyone-reads-all');
    const denyNobody = { effect: 'deny', principals: ['00000000-0000-4000-8000-000000000000'], actions: ['file:share'], resources: ['file/*'] };
    expect((await json('PUT', '/v1/admin/policy-statements/e2e-admin-check', denyNobody, admin)).status).toBe(200);
    expect((await json('DELETE', '/v1/admin/policy-statements/e2e-admin-check', undefined, admin)).status).toBe(204);
  });

  it('deleting my account revokes my sessions and frees the email', async () => {
    await json('POST', '/v1/users', { email: 'leaving@example.com', displayName: 'Leaving', password });
    const { accessToken } = (await (await json('POST', '/v1/auth/login', { email: 'leaving@example.com', password })).json()) as { accessToken: string };
    expect((await json('DELETE', '/v1/users/me', undefined, accessToken)).status).toBe(204);
    expect((await json('GET', '/v1/users/me', undefined, accessToken)).status).toBe(401);
    expect((await json('POST', '/v1/auth/login', { email: 'leaving@example.com', password })).status).toBe(401);
    expect((await json('POST', '/v1/users', { email: 'leaving@example.com', displayName: 'Back', password })).status).toBe(201);
  });

  describe('token attack suite: every forged or misused token gets 401', () => {
    let realToken: string;
    let refreshToken: string;
    let sign: (claims: Record<string, unknown>, header?: Record<string, unknown>) => Promise<string>;
    let claims: Record<string, unknown>;
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

    beforeAll(async () => {
      await json('POST', '/v1/users', { email: 'target@example.com', displayName: 'Target', password });
      const pair = (await (await json('POST', '/v1/auth/login', { email: 'target@example.com', password })).json()) as { accessToken: string; refreshToken: string };
      realToken = pair.accessToken;
      refreshToken = pair.refreshToken;
      claims = JSON.parse(Buffer.from(realToken.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
      // The auth service's own signing key (dev keys file), to forge tokens whose only fault is a claim.
      const [stored] = JSON.parse(readFileSync(join(workDir, 'data', 'auth', 'signing-keys.json'), 'utf8')) as { kid: string; privateJwk: JWK }[];
      const key = await importJWK(stored?.privateJwk ?? {}, 'ES256');
      sign = (extra, header = {}) =>
        new SignJWT({ ...claims, ...extra }).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: stored?.kid ?? '', ...header }).sign(key);
    });

    const refused = async (token: string) => {
      const response = await json('GET', '/v1/users/me', undefined, token);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('Bearer');
    };
    const now = () => Math.floor(Date.now() / 1000);

    it('control: the real token and a correctly re-signed copy are accepted', async () => {
      expect((await json('GET', '/v1/users/me', undefined, realToken)).status).toBe(200);
      expect((await json('GET', '/v1/users/me', undefined, await sign({}))).status).toBe(200);
    });
    it('alg none', async () => refused(`${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims)}.`));
    it('HS256 signed with the public key', async () => {
      const jwks = (await (await json('GET', '/.well-known/jwks.json')).json()) as { keys: JWK[] };
      const input = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: jwks.keys[0]?.kid })}.${b64(claims)}`;
      await refused(`${input}.${createHmac('sha256', JSON.stringify(jwks.keys[0])).update(input).digest('base64url')}`);
    });
    it('unknown kid', async () => refused(await sign({}, { kid: 'no-such-key' })));
    it.each(['jwk', 'jku', 'x5u'])('%s header pointing at another key', async (name) => {
      const attacker = await generateKeyPair('ES256', { extractable: true });
      const value = name === 'jwk' ? await exportJWK(attacker.publicKey) : 'https://attacker.example/keys';
      const token = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', [name]: value }).sign(attacker.privateKey);
      await refused(token);
    });
    it('wrong iss', async () => refused(await sign({ iss: 'https://evil.example' })));
    it('wrong aud', async () => refused(await sign({ aud: 'someone-else' })));
    it('wrong typ', async () => refused(await sign({}, { typ: 'JWT' })));
    it('a refresh token presented as an access token', async () => refused(refreshToken));
    it('exp just outside the allowed skew', async () => refused(await sign({ exp: now() - 31 })));
    it('nbf just outside the allowed skew', async () => refused(await sign({ nbf: now() + 32 })));
    it('tampered payload', async () => {
      const [header, , signature] = realToken.split('.');
      await refused(`${header}.${b64({ ...claims, sub: '00000000-0000-4000-8000-000000000000', admin: true })}.${signature}`);
    });
    it('a token of a revoked session', async () => {
      const { accessToken } = (await (await json('POST', '/v1/auth/login', { email: 'target@example.com', password })).json()) as { accessToken: string };
      expect((await json('POST', '/v1/auth/logout', undefined, accessToken)).status).toBe(204);
      await refused(accessToken);
    });
  });

  describe('every operation: success, 400 for invalid input, 401 without or with a bad token', () => {
    const signIn = async (email: string) => {
      await json('POST', '/v1/users', { email, displayName: email.split('@')[0], password });
      return ((await (await json('POST', '/v1/auth/login', { email, password })).json()) as { accessToken: string }).accessToken;
    };

    it.each(restOperations.filter((operation) => !operation.public).map((operation) => [operation.operationId, operation] as const))(
      '%s refuses a missing and a bad token with 401',
      async (_id, operation) => {
        const path = operation.path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
        const body = 'requestBody' in operation ? {} : undefined;
        expect((await json(operation.method.toUpperCase(), path, body)).status).toBe(401);
        expect((await json(operation.method.toUpperCase(), path, body, 'not.a.token')).status).toBe(401);
      },
    );

    it('profile: update, 409 on a taken email, 400 on bad input', async () => {
      const token = await signIn('editor@example.com');
      await signIn('taken2@example.com');
      const updated = await json('PATCH', '/v1/users/me', { displayName: 'Editor In Chief' }, token);
      expect(updated.status).toBe(200);
      expect(await updated.json()).toMatchObject({ displayName: 'Editor In Chief' });
      expect((await json('PATCH', '/v1/users/me', { email: 'TAKEN2@example.com' }, token)).status).toBe(409);
      expect((await json('PATCH', '/v1/users/me', {}, token)).status).toBe(400);
      expect((await json('PATCH', '/v1/users/me', { email: 'nope' }, token)).status).toBe(400);
    });

    it('password change: 400 for a wrong current or weak new password, 204 and other sessions end', async () => {
      const first = await signIn('changer@example.com');
      const second = ((await (await json('POST', '/v1/auth/login', { email: 'changer@example.com', password })).json()) as { accessToken: string }).accessToken;
      expect((await json('POST', '/v1/auth/password', { currentPassword: 'wrong-password-000', newPassword: 'violet-harbor-engine-93' }, first)).status).toBe(400);
      expect((await json('POST', '/v1/auth/password', { currentPassword: password, newPassword: 'short' }, first)).status).toBe(400);
      expect((await json('POST', '/v1/auth/password', { currentPassword: password, newPassword: 'violet-harbor-engine-93' }, first)).status).toBe(204);
      expect((await json('GET', '/v1/users/me', undefined, first)).status).toBe(200);
      await new Promise((resolveWait) => setTimeout(resolveWait, 1_100));
      expect((await json('GET', '/v1/users/me', undefined, second)).status).toBe(401);
    });

    it('sessions: revoke one of mine (204), not someone else\'s (404), 400 for a bad id; log out everywhere', async () => {
      const mine = await signIn('sessions@example.com');
      const other = ((await (await json('POST', '/v1/auth/login', { email: 'sessions@example.com', password })).json()) as { accessToken: string }).accessToken;
      const stranger = await signIn('stranger@example.com');
      const list = (await (await json('GET', '/v1/auth/sessions', undefined, mine)).json()) as { sessions: { id: string; current: boolean }[] };
      const otherId = list.sessions.find((session) => !session.current)?.id ?? '';
      const strangerList = (await (await json('GET', '/v1/auth/sessions', undefined, stranger)).json()) as { sessions: { id: string }[] };
      expect((await json('DELETE', `/v1/auth/sessions/${strangerList.sessions[0]?.id ?? ''}`, undefined, mine)).status).toBe(404);
      expect((await json('DELETE', `/v1/auth/sessions/${'x'.repeat(65)}`, undefined, mine)).status).toBe(400);
      expect((await json('DELETE', `/v1/auth/sessions/${otherId}`, undefined, mine)).status).toBe(204);
      await new Promise((resolveWait) => setTimeout(resolveWait, 1_100));
      expect((await json('GET', '/v1/users/me', undefined, other)).status).toBe(401);
      expect((await json('POST', '/v1/auth/logout-all', undefined, mine)).status).toBe(204);
      expect((await json('GET', '/v1/users/me', undefined, mine)).status).toBe(401);
      expect((await json('GET', '/v1/users/me', undefined, stranger)).status).toBe(200);
    });

    it('admin: list and get users, 404 for an unknown id, 400 for a bad id or page size', async () => {
      const admin = await signIn('admin@example.com');
      const page = await json('GET', '/v1/users?pageSize=2', undefined, admin);
      expect(page.status).toBe(200);
      const users = (await page.json()) as { users: { id: string }[]; nextPageToken?: string };
      expect(users.users).toHaveLength(2);
      expect(users.nextPageToken).toBeDefined();
      expect((await json('GET', `/v1/users/${users.users[0]?.id ?? ''}`, undefined, admin)).status).toBe(200);
      expect((await json('GET', '/v1/users/00000000-0000-4000-8000-000000000000', undefined, admin)).status).toBe(404);
      expect((await json('GET', '/v1/users/not-a-uuid', undefined, admin)).status).toBe(400);
      expect((await json('GET', '/v1/users?pageSize=0', undefined, admin)).status).toBe(400);
      expect((await json('GET', '/v1/users?unknown=1', undefined, admin)).status).toBe(400);
    });

    it('public operations with input answer 400 for invalid input', async () => {
      expect((await json('POST', '/v1/auth/login', { email: 'a@example.com' })).status).toBe(400);
      expect((await json('POST', '/v1/auth/refresh', {})).status).toBe(400);
      expect((await json('POST', '/v1/users', {})).status).toBe(400);
    });
  });
});
