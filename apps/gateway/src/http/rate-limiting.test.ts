import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, createMetricsRegistry, errors, HttpServerMetrics, initTracing } from '@coffer/platform';
import { MemoryRateLimiter, type RateLimiter } from '@coffer/rate-limit';
import { createGatewayApp } from './gateway-app.js';
import { GatewayRateLimitMetrics, type RateLimitPolicy } from './rate-limiting.js';
import { MemoryIdempotencyStore } from '../idempotency/memory-idempotency-store.js';

const policy = (failMode: 'open' | 'closed' = 'open'): RateLimitPolicy => ({
  failMode,
  rules: { credentials: { limit: 2, windowMs: 60_000 }, anonymous: { limit: 3, windowMs: 60_000 }, user: { limit: 4, windowMs: 60_000 } },
});

/** A limiter whose store is down (what the Redis limiter throws when Redis does not answer). */
const brokenLimiter: RateLimiter = {
  consume: () => Promise.reject(errors.unavailable('Redis is unavailable.')),
  reset: () => Promise.resolve(),
  refund: () => Promise.resolve(),
  checkReady: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

describe('gateway rate limiting', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function start(limiter: RateLimiter, ratePolicy: RateLimitPolicy) {
    const registry = createMetricsRegistry('gateway');
    const app = createGatewayApp({
      logger: createLogger({ service: 'gateway', destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
      tracing: initTracing({ service: 'gateway', version: 'test' }),
      httpMetrics: new HttpServerMetrics(registry),
      idempotency: { store: new MemoryIdempotencyStore(), ttlMs: 86_400_000, leaseMs: 60_000, uploadTimeoutMs: 60_000 },
      authenticator: {
        authenticate: (header) =>
          header === 'Bearer u1' ? Promise.resolve({ userId: 'u1', sessionId: 's1', admin: false, tokenExpiresAt: 0 }) : Promise.reject(errors.unauthenticated()),
      },
      rateLimits: { limiter, policy: ratePolicy, metrics: new GatewayRateLimitMetrics(registry) },
      handlers: {
        getHealth: async (_req, res) => { res.status(200).json({ status: 'ok', services: {} }); await Promise.resolve(); },
        getMe: async (_req, res) => { res.status(204).end(); await Promise.resolve(); },
        login: async (_req, res) => { res.status(204).end(); await Promise.resolve(); },
      },
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server?.once('listening', resolve));
    return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, registry };
  }

  it('limits anonymous calls per address, with RateLimit headers and Retry-After on 429', async () => {
    const { base, registry } = await start(new MemoryRateLimiter(), policy());
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let n = 0; n < 4; n += 1) {
      last = await fetch(`${base}/v1/health`);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last?.headers.get('ratelimit-policy')).toBe('"anonymous";q=3;w=60');
    expect(last?.headers.get('ratelimit')).toMatch(/^"anonymous";r=0;t=\d+$/);
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await last?.json()).toMatchObject({ code: 'rate_limited', status: 429 });
    expect(await registry.getSingleMetricAsString('gateway_rate_limited_total')).toContain('class="anonymous"');
  });

  it('gives credential operations their own stricter class', async () => {
    const { base } = await start(new MemoryRateLimiter(), policy());
    const login = () => fetch(`${base}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'a@example.com', password: 'x' }) });
    expect([(await login()).status, (await login()).status, (await login()).status]).toEqual([204, 204, 429]);
    expect((await fetch(`${base}/v1/health`)).status).toBe(200);
  });

  it('limits authenticated calls per user', async () => {
    const { base } = await start(new MemoryRateLimiter(), policy());
    const me = () => fetch(`${base}/v1/users/me`, { headers: { authorization: 'Bearer u1' } });
    const statuses = [];
    for (let n = 0; n < 5; n += 1) statuses.push((await me()).status);
    expect(statuses).toEqual([204, 204, 204, 204, 429]);
  });

  it('fails open when the store is down (counted and logged), by default', async () => {
    const { base, registry } = await start(brokenLimiter, policy('open'));
    expect((await fetch(`${base}/v1/health`)).status).toBe(200);
    expect(await registry.getSingleMetricAsString('gateway_rate_limit_store_errors_total')).toMatch(/gateway_rate_limit_store_errors_total\{fail_mode="open",service="gateway"\} 1/);
  });

  it('fails closed with 503 and Retry-After when configured so', async () => {
    const { base } = await start(brokenLimiter, policy('closed'));
    const response = await fetch(`${base}/v1/health`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toMatchObject({ code: 'unavailable' });
  });
});
