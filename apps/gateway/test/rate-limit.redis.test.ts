import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, createMetricsRegistry, errors, HttpServerMetrics, initTracing } from '@coffer/platform';
import { createRateLimiterFromUrl, type RateLimiter } from '@coffer/rate-limit';
import { loadEngineEndpoints, requireEngine, TcpProxy, uniqueName } from '@coffer/testing';
import { createGatewayApp } from '../src/http/gateway-app.js';
import { GatewayRateLimitMetrics, type RateLimitPolicy } from '../src/http/rate-limiting.js';
import { MemoryIdempotencyStore } from '../src/idempotency/memory-idempotency-store.js';

const LIMIT = 40;
const policy: RateLimitPolicy = {
  failMode: 'open',
  rules: { credentials: { limit: LIMIT, windowMs: 30_000 }, anonymous: { limit: LIMIT, windowMs: 30_000 }, user: { limit: LIMIT, windowMs: 30_000 } },
};

/**
 * Gateway rate limits on the real Redis: two gateway instances (each with its own Redis
 * connection, as two processes would have) share one limit, and the fail mode applies while
 * Redis is unreachable and ends when it returns.
 */
describe('gateway rate limits on Redis', () => {
  const servers: Server[] = [];
  const limiters: RateLimiter[] = [];
  let redisUrl: string;

  beforeAll(async () => {
    redisUrl = loadEngineEndpoints().redis.url;
    const probe = createRateLimiterFromUrl(redisUrl);
    await requireEngine('redis', () => probe.checkReady());
    await probe.close();
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    await Promise.all(limiters.map((limiter) => limiter.close()));
  });

  async function gateway(limiterUrl: string, keyPrefix: string, ratePolicy = policy) {
    const limiter = createRateLimiterFromUrl(limiterUrl, { keyPrefix });
    limiters.push(limiter);
    const registry = createMetricsRegistry('gateway');
    const app = createGatewayApp({
      logger: createLogger({ service: 'gateway', destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
      tracing: initTracing({ service: 'gateway', version: 'test' }),
      httpMetrics: new HttpServerMetrics(registry),
      idempotency: { store: new MemoryIdempotencyStore(), ttlMs: 86_400_000, leaseMs: 60_000, uploadTimeoutMs: 60_000 },
      authenticator: { authenticate: () => Promise.reject(errors.unauthenticated()) },
      rateLimits: { limiter, policy: ratePolicy, metrics: new GatewayRateLimitMetrics(registry) },
      handlers: { getHealth: async (_req, res) => { res.status(200).json({ status: 'ok', services: {} }); await Promise.resolve(); } },
    });
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, registry };
  }

  it(`two gateways under 10x load accept within 5% of the limit (${LIMIT} per window)`, async () => {
    const prefix = `${uniqueName('gw-rl', '-')}:`;
    const [a, b] = [await gateway(redisUrl, prefix), await gateway(redisUrl, prefix)];
    const requests = Array.from({ length: LIMIT * 10 }, (_, n) => fetch(`${(n % 2 === 0 ? a : b).base}/v1/health`).then((response) => response.status));
    const statuses = await Promise.all(requests);
    const accepted = statuses.filter((status) => status === 200).length;
    expect(statuses.filter((status) => status !== 200 && status !== 429)).toEqual([]);
    expect(accepted).toBeGreaterThanOrEqual(Math.floor(LIMIT * 0.95));
    expect(accepted).toBeLessThanOrEqual(Math.ceil(LIMIT * 1.05));
  });

  it('fails open while Redis is unreachable, counts it, and limits again when Redis returns', async () => {
    const proxy = await TcpProxy.start(redisUrl);
    const { base, registry } = await gateway(proxy.url, `${uniqueName('gw-rl', '-')}:`);
    expect((await fetch(`${base}/v1/health`)).status).toBe(200);

    await proxy.cut();
    for (let n = 0; n < LIMIT + 5; n += 1) expect((await fetch(`${base}/v1/health`)).status).toBe(200);
    expect(await registry.getSingleMetricAsString('gateway_rate_limit_store_errors_total')).toMatch(/fail_mode="open".*\} [1-9]/);

    await proxy.resume();
    const statuses: number[] = [];
    const deadline = Date.now() + 10_000;
    while (!statuses.includes(429) && Date.now() < deadline) statuses.push((await fetch(`${base}/v1/health`)).status);
    expect(statuses).toContain(429);
    await proxy.cut();
  });

  it('fails closed with 503 when so configured', async () => {
    const proxy = await TcpProxy.start(redisUrl);
    const { base } = await gateway(proxy.url, `${uniqueName('gw-rl', '-')}:`, { ...policy, failMode: 'closed' });
    await proxy.cut();
    const response = await fetch(`${base}/v1/health`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
  });
});
