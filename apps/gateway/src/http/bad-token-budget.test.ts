import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { AccessTokenIssuer, AccessTokenVerifier, generateSigningKey, importSigningKey, SigningKeyRing, type SigningKey } from '@coffer/access-tokens';
import { createLogger, createMetricsRegistry, HttpServerMetrics, initTracing } from '@coffer/platform';
import { MemoryRateLimiter } from '@coffer/rate-limit';
import { AccessTokenAuthenticator } from '../auth/access-token-authenticator.js';
import { MemoryIdempotencyStore } from '../idempotency/memory-idempotency-store.js';
import { createGatewayApp } from './gateway-app.js';
import { GatewayRateLimitMetrics, type RateLimitPolicy } from './rate-limiting.js';

/** Failed bearer authentications each address may have per window in these tests. */
const BAD_TOKENS = 3;
const settings = { issuer: 'coffer-test', audience: 'coffer-api', clockToleranceSeconds: 0, jwksRefetchCooldownMs: 60_000, sessionCheckCacheMs: 0, verifiedTokenCacheSize: 100 };
const ADDRESS_A = '198.51.100.7';
const ADDRESS_B = '203.0.113.9';

/**
 * The budget of failed bearer authentications (threat EXT-20) on the real authenticator (ES256
 * tokens, real signature checks, its verified-token cache) and a real memory limiter. Signature
 * checks are counted with a spy on AccessTokenVerifier.verify that keeps the real check.
 */
describe('gateway budget of failed bearer authentications', () => {
  let server: Server | undefined;
  let base: string;
  let registry: ReturnType<typeof createMetricsRegistry>;
  let key: SigningKey;
  let stranger: SigningKey;
  let revoked: Set<string>;
  let limiter: MemoryRateLimiter;
  let signatureChecks: MockInstance<AccessTokenVerifier['verify']>;
  let sessionCounter = 0;

  const issue = async (signingKey: SigningKey, ttlSeconds = 600) =>
    (await new AccessTokenIssuer(new SigningKeyRing([signingKey], 600_000), { ...settings, ttlSeconds }).issue({ userId: 'u1', sessionId: `s${(sessionCounter += 1)}`, admin: false })).token;
  const me = (token: string | undefined, address = ADDRESS_A) =>
    fetch(`${base}/v1/users/me`, { headers: { 'x-forwarded-for': address, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) } });
  const forged = () => issue(stranger);

  async function start(failMode: RateLimitPolicy['failMode'] = 'open') {
    registry = createMetricsRegistry('gateway');
    const authenticator = new AccessTokenAuthenticator(
      { fetch: () => Promise.resolve(new SigningKeyRing([key], 600_000).jwks()) },
      { isActive: (sessionId) => Promise.resolve(!revoked.has(sessionId)) },
      settings,
    );
    const app = createGatewayApp({
      logger: createLogger({ service: 'gateway', destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
      tracing: initTracing({ service: 'gateway', version: 'test' }),
      httpMetrics: new HttpServerMetrics(registry),
      idempotency: { store: new MemoryIdempotencyStore(), ttlMs: 86_400_000, leaseMs: 60_000, uploadTimeoutMs: 60_000 },
      authenticator,
      rateLimits: {
        limiter,
        policy: {
          failMode,
          badTokens: { limit: BAD_TOKENS, windowMs: 60_000 },
          rules: { credentials: { limit: 1000, windowMs: 60_000 }, anonymous: { limit: 1000, windowMs: 60_000 }, user: { limit: 1000, windowMs: 60_000 } },
        },
        metrics: new GatewayRateLimitMetrics(registry),
      },
      handlers: { getMe: async (_req, res) => { res.status(204).end(); await Promise.resolve(); } },
      edge: { corsOrigins: [], hstsMaxAgeSeconds: 0, trustProxy: 'loopback' },
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server?.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Spends address A's whole budget with forged tokens, each answered 401 after a signature check. */
  async function spendBudget(address = ADDRESS_A) {
    for (let n = 0; n < BAD_TOKENS; n += 1) expect((await me(await forged(), address)).status).toBe(401);
  }

  beforeEach(async () => {
    const now = new Date();
    key = await importSigningKey(await generateSigningKey('ES256', now));
    stranger = await importSigningKey(await generateSigningKey('ES256', now));
    revoked = new Set();
    limiter = new MemoryRateLimiter();
    signatureChecks = vi.spyOn(AccessTokenVerifier.prototype, 'verify');
  });

  afterEach(async () => {
    signatureChecks.mockRestore();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('refuses a bad token with 429 and Retry-After, without checking its signature, once the address has spent its budget of failed authentications', async () => {
    await start();
    await spendBudget();
    expect(signatureChecks).toHaveBeenCalledTimes(BAD_TOKENS);

    const refused = await me(await forged());
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('ratelimit-policy')).toBe(`"bad_tokens";q=${BAD_TOKENS};w=60`);
    expect(await refused.json()).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(signatureChecks).toHaveBeenCalledTimes(BAD_TOKENS);
    expect(await registry.getSingleMetricAsString('gateway_rate_limited_total')).toContain('class="bad_tokens"');
  });

  it('counts expired, malformed and revoked-session tokens as failed authentications too', async () => {
    await start();
    const sessionOf = await issue(key);
    expect((await me(sessionOf)).status).toBe(204);
    revoked.add(`s${sessionCounter}`);
    expect((await me(sessionOf)).status).toBe(401);
    expect((await me('not.a.token')).status).toBe(401);
    expect((await fetch(`${base}/v1/users/me`, { headers: { 'x-forwarded-for': ADDRESS_A, authorization: 'Basic dXNlcjpwYXNz' } })).status).toBe(401);
    expect((await me(await forged())).status).toBe(429);
  });

  it('still serves a valid token it already verified from an address whose budget is spent', async () => {
    await start();
    const valid = await issue(key);
    expect((await me(valid)).status).toBe(204);
    await spendBudget();
    expect((await me(await forged())).status).toBe(429);
    const checksBefore = signatureChecks.mock.calls.length;

    for (let n = 0; n < 3; n += 1) expect((await me(valid)).status).toBe(204);
    expect(signatureChecks.mock.calls.length).toBe(checksBefore);
  });

  it('keeps the budget per address: another address still gets its bad tokens checked and answered 401', async () => {
    await start();
    await spendBudget(ADDRESS_A);
    expect((await me(await forged(), ADDRESS_A)).status).toBe(429);

    const checksBefore = signatureChecks.mock.calls.length;
    const other = await me(await forged(), ADDRESS_B);
    expect(other.status).toBe(401);
    expect(other.headers.get('www-authenticate')).toBe('Bearer realm="coffer"');
    expect(signatureChecks.mock.calls.length).toBe(checksBefore + 1);
  });

  it('never charges valid tokens or requests without a token to the budget', async () => {
    await start();
    for (let n = 0; n < 2 * BAD_TOKENS; n += 1) expect((await me(await issue(key))).status).toBe(204);
    for (let n = 0; n < 2 * BAD_TOKENS; n += 1) expect((await me(undefined)).status).toBe(401);
    await spendBudget();
    expect((await me(await forged())).status).toBe(429);
  });

  it('lets bad tokens be checked (401) when the limiter store is down and the fail mode is open', async () => {
    await start('open');
    await limiter.close();
    for (let n = 0; n < BAD_TOKENS + 2; n += 1) expect((await me(await forged())).status).toBe(401);
    expect(signatureChecks).toHaveBeenCalledTimes(BAD_TOKENS + 2);
    expect(await registry.getSingleMetricAsString('gateway_rate_limit_store_errors_total')).toContain('fail_mode="open"');
  });

  it('answers 503 with Retry-After before any signature check when the limiter store is down and the fail mode is closed', async () => {
    await start('closed');
    await limiter.close();
    const answer = await me(await forged());
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(signatureChecks).not.toHaveBeenCalled();
  });
});
