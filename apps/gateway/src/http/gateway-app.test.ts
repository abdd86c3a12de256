import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetricsRegistry, HttpServerMetrics, initTracing, createLogger } from '@coffer/platform';
import { Writable } from 'node:stream';
import { getHealthHandler } from '../health/get-health.handler.js';
import type { PlatformHealth, PlatformHealthChecker } from '../health/platform-health.js';
import { createGatewayApp } from './gateway-app.js';
import type { OperationHandlers } from './operation.js';
import { errors } from '@coffer/platform';
import { MemoryRateLimiter } from '@coffer/rate-limit';
import { GatewayRateLimitMetrics } from './rate-limiting.js';
import type { AuthenticatedCaller } from '../auth/access-token-authenticator.js';
import { MemoryIdempotencyStore } from '../idempotency/memory-idempotency-store.js';

/** Accepts exactly `Bearer good-token` (token verification itself is tested in auth/). */
const authenticator = {
  authenticate: (header: string | undefined): Promise<AuthenticatedCaller> =>
    header === 'Bearer good-token'
      ? Promise.resolve({ userId: 'u1', sessionId: 's1', admin: false, tokenExpiresAt: 0 })
      : Promise.reject(errors.unauthenticated('The access token is invalid or expired.')),
};
const signedIn = { headers: { authorization: 'Bearer good-token' } };

/** Stands in for the services behind the gateway (the real mTLS gRPC path is covered by tools/dev-platform/test/walking-skeleton.test.ts). */
class FixedHealthChecker implements PlatformHealthChecker {
  constructor(private readonly health: PlatformHealth | Error) {}
  check(): Promise<PlatformHealth> {
    return this.health instanceof Error ? Promise.reject(this.health) : Promise.resolve(this.health);
  }
}

describe('gateway app', () => {
  let server: Server | undefined;
  const logs: string[] = [];
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function start(handlers: OperationHandlers, corsOrigins: string[] = [], trustProxy: boolean | string = false): Promise<{ base: string; registry: ReturnType<typeof createMetricsRegistry> }> {
    const registry = createMetricsRegistry('gateway');
    const destination = new Writable({ write: (chunk: Buffer, _e, cb) => { logs.push(chunk.toString()); cb(); } });
    const app = createGatewayApp({
      logger: createLogger({ service: 'gateway', destination }),
      tracing: initTracing({ service: 'gateway', version: 'test' }),
      httpMetrics: new HttpServerMetrics(registry),
      idempotency: { store: new MemoryIdempotencyStore(), ttlMs: 86_400_000, leaseMs: 60_000, uploadTimeoutMs: 60_000 },
      handlers,
      authenticator,
      rateLimits: {
        limiter: new MemoryRateLimiter(),
        policy: { failMode: 'open', rules: { credentials: { limit: 1000, windowMs: 60_000 }, anonymous: { limit: 1000, windowMs: 60_000 }, user: { limit: 1000, windowMs: 60_000 } } },
        metrics: new GatewayRateLimitMetrics(registry),
      },
      edge: { corsOrigins, hstsMaxAgeSeconds: 0, trustProxy },
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server?.once('listening', resolve));
    return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, registry };
  }

  const healthy: PlatformHealth = { status: 'ok', services: { auth: { status: 'serving', version: '1', latencyMs: 1 } } };

  it('GET /v1/health answers 200 when every service serves', async () => {
    const { base, registry } = await start({ getHealth: getHealthHandler(new FixedHealthChecker(healthy)) });
    const response = await fetch(`${base}/v1/health`, { headers: { 'x-request-id': 'abc-1' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('abc-1');
    expect(await response.json()).toEqual(healthy);
    expect(await registry.getSingleMetricAsString('http_server_requests_total')).toMatch(
      /http_server_requests_total\{method="GET",route="\/v1\/health",status_code="200",service="gateway"\} 1/,
    );
  });

  it('GET /v1/health answers 503 when a service is not serving', async () => {
    const degraded: PlatformHealth = { status: 'degraded', services: { auth: { status: 'unreachable', latencyMs: 2000 } } };
    const { base } = await start({ getHealth: getHealthHandler(new FixedHealthChecker(degraded)) });
    const response = await fetch(`${base}/v1/health`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual(degraded);
  });

  it('answers an unknown route with a problem+json 404 carrying the request id', async () => {
    const { base, registry } = await start({ getHealth: getHealthHandler(new FixedHealthChecker(healthy)) });
    const response = await fetch(`${base}/v1/nothing-here/123`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 404, code: 'not_found', title: 'Not found' });
    expect(problem['requestId']).toBe(response.headers.get('x-request-id'));
    // Unmatched paths never become label values.
    expect(await registry.getSingleMetricAsString('http_server_requests_total')).toContain('route="unmatched"');
    expect(await registry.getSingleMetricAsString('http_server_requests_total')).not.toContain('123');
  });

  it('answers a known route with the wrong method with 405 and Allow', async () => {
    const { base } = await start({ getHealth: getHealthHandler(new FixedHealthChecker(healthy)) });
    const response = await fetch(`${base}/v1/health`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(await response.json()).toMatchObject({ code: 'method_not_allowed' });
  });

  it('turns a handler failure into a generic 500 without internals', async () => {
    const { base } = await start({ getHealth: getHealthHandler(new FixedHealthChecker(new Error('pg: password authentication failed for coffer'))) });
    const response = await fetch(`${base}/v1/health`);
    expect(response.status).toBe(500);
    const body = await response.text();
    expect(body).not.toContain('password');
    expect(JSON.parse(body)).toMatchObject({ code: 'internal', detail: 'An internal error occurred.' });
    expect(logs.join('')).toContain('request failed');
  });

  it('answers 501 for an operation of the contract that has no handler yet', async () => {
    const { base } = await start({ getHealth: getHealthHandler(new FixedHealthChecker(healthy)) });
    const response = await fetch(`${base}/v1/users/me`, signedIn);
    expect(response.status).toBe(501);
    expect(await response.json()).toMatchObject({ code: 'not_implemented', detail: 'getMe is not implemented yet.' });
  });

  it('routes /v1/users/me before /v1/users/{userId}', async () => {
    const seen: string[] = [];
    const { base } = await start({
      getMe: async (_req, res) => { seen.push('getMe'); res.status(204).end(); await Promise.resolve(); },
      getUser: async (_req, res) => { seen.push('getUser'); res.status(204).end(); await Promise.resolve(); },
    });
    await fetch(`${base}/v1/users/me`, signedIn);
    await fetch(`${base}/v1/users/0b6f5d0e-8f7a-4d55-9d54-4ef8a4b1a111`, signedIn);
    expect(seen).toEqual(['getMe', 'getUser']);
  });

  it.each([
    ['no token', {}],
    ['a bad token', { headers: { authorization: 'Bearer forged' } }],
  ])('refuses %s on a non-public operation with 401 before its handler runs', async (_name, init) => {
    let handled = false;
    const { base } = await start({ getMe: async (_req, res) => { handled = true; res.status(204).end(); await Promise.resolve(); } });
    const response = await fetch(`${base}/v1/users/me`, init);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="coffer"');
    expect(await response.json()).toMatchObject({ code: 'unauthenticated' });
    expect(handled).toBe(false);
  });

  it('asks for a token even on an operation that is not built yet (deny by default)', async () => {
    const { base } = await start({});
    expect((await fetch(`${base}/v1/auth/sessions`)).status).toBe(401);
  });

  it('lets a public operation through without a token', async () => {
    const { base } = await start({ getHealth: getHealthHandler(new FixedHealthChecker(healthy)) });
    expect((await fetch(`${base}/v1/health`)).status).toBe(200);
  });

  it('sends security headers on every answer, errors included', async () => {
    const { base } = await start({});
    for (const response of [await fetch(`${base}/v1/health`), await fetch(`${base}/nowhere`)]) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(response.headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('allows CORS only for listed origins and answers their preflights', async () => {
    const { base } = await start({ getHealth: getHealthHandler(new FixedHealthChecker(healthy)) }, ['https://app.example.com']);
    const allowed = await fetch(`${base}/v1/health`, { headers: { origin: 'https://app.example.com' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('access-control-expose-headers')).toContain('ratelimit');
    const other = await fetch(`${base}/v1/health`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${base}/v1/users/me`, { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PATCH' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('serves the contract at /openapi.json and a readable page at /docs', async () => {
    const { base } = await start({});
    const spec = (await (await fetch(`${base}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toContain('/v1/auth/login');
    const page = await fetch(`${base}/docs`);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('<code>/v1/auth/login</code>');
    expect(html).not.toContain('<script');
  });

  it('takes the client address from X-Forwarded-For only from a trusted proxy', async () => {
    let seen = '';
    const handlers: OperationHandlers = { getHealth: async (req, res) => { seen = req.ip ?? ''; res.status(200).json({ status: 'ok', services: {} }); await Promise.resolve(); } };
    const untrusted = await start(handlers);
    await fetch(`${untrusted.base}/v1/health`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(seen).not.toBe('203.0.113.7');
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    const trusted = await start(handlers, [], 'loopback');
    await fetch(`${trusted.base}/v1/health`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(seen).toBe('203.0.113.7');
  });
});
