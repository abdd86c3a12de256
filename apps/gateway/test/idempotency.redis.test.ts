import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, createMetricsRegistry, errors, HttpServerMetrics, initTracing } from '@coffer/platform';
import { MemoryRateLimiter } from '@coffer/rate-limit';
import { loadEngineEndpoints, requireEngine, uniqueName } from '@coffer/testing';
import type { Request, Response } from 'express';
import type { AuthenticatedCaller } from '../src/auth/access-token-authenticator.js';
import { createGatewayApp } from '../src/http/gateway-app.js';
import { GatewayRateLimitMetrics } from '../src/http/rate-limiting.js';
import { createIdempotencyStoreFromUrl } from '../src/idempotency/create-idempotency-store-from-url.js';
import type { IdempotencyStore } from '../src/idempotency/idempotency-store.js';

const FILE = '0b6f5d0e-8f7a-4d55-9d54-4ef8a4b1a111';
const GRANTEE = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

const authenticator = {
  authenticate: (header: string | undefined): Promise<AuthenticatedCaller> => {
    const userId = /^Bearer token-(.+)$/.exec(header ?? '')?.[1];
    return userId ? Promise.resolve({ userId, sessionId: `s-${userId}`, admin: false, tokenExpiresAt: 0 }) : Promise.reject(errors.unauthenticated());
  },
};

/**
 * Idempotency-Key across gateway processes: two gateway apps, each with its own Redis
 * connection (as two processes have) on one key prefix, see each other's reservations and
 * answers.
 */
describe('Idempotency-Key on Redis across gateway instances', () => {
  const servers: Server[] = [];
  const stores: IdempotencyStore[] = [];
  let redisUrl: string;
  let prefix: string;
  let runs = 0;
  let hold: Promise<void> = Promise.resolve();

  // Fails (never skips) when Redis is not running: start it with `tools/engines/engines.sh up`.
  beforeAll(async () => {
    redisUrl = loadEngineEndpoints().redis.url;
    prefix = `${uniqueName('gw-idem', '-')}:`;
    const probe = createIdempotencyStoreFromUrl(redisUrl, { keyPrefix: prefix });
    await requireEngine('redis', () => probe.checkReady());
    await probe.close();
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    await Promise.all(stores.map((store) => store.close()));
  });

  async function gateway(): Promise<string> {
    const store = createIdempotencyStoreFromUrl(redisUrl, { keyPrefix: prefix });
    stores.push(store);
    const registry = createMetricsRegistry('gateway');
    const app = createGatewayApp({
      logger: createLogger({ service: 'gateway', level: 'silent' }),
      tracing: initTracing({ service: 'gateway', version: 'test' }),
      httpMetrics: new HttpServerMetrics(registry),
      authenticator,
      idempotency: { store, ttlMs: 60_000, leaseMs: 60_000, uploadTimeoutMs: 60_000 },
      rateLimits: {
        limiter: new MemoryRateLimiter(),
        policy: { failMode: 'open', rules: { credentials: { limit: 1000, windowMs: 60_000 }, anonymous: { limit: 1000, windowMs: 60_000 }, user: { limit: 1000, windowMs: 60_000 } } },
        metrics: new GatewayRateLimitMetrics(registry),
      },
      handlers: {
        createShare: async (_req: Request, res: Response) => {
          runs += 1;
          const run = runs;
          await hold;
          res.status(201).json({ id: `share-${run}`, createdBy: (res.locals['caller'] as AuthenticatedCaller).userId });
        },
      },
    });
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const share = (base: string, key: string, user = 'alice') =>
    fetch(`${base}/v1/files/${FILE}/shares`, {
      method: 'POST',
      headers: { authorization: `Bearer token-${user}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ granteeId: GRANTEE, permission: 'read' }),
    });

  it('an answer stored by one instance is replayed by the other; another user runs separately', async () => {
    const [a, b] = [await gateway(), await gateway()];
    const before = runs;
    const key = `cross-${uniqueName('k', '-')}`;
    const first = await share(a, key);
    expect(first.status).toBe(201);
    const replayed = await share(b, key);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(await replayed.json()).toEqual(await first.json());
    const bob = await share(b, key, 'bob');
    expect(bob.headers.get('idempotent-replayed')).toBeNull();
    expect(await bob.json()).toMatchObject({ createdBy: 'bob' });
    expect(runs - before).toBe(2);
  });

  it('one of many concurrent requests with the key runs, on whichever instance; the others get 409', async () => {
    const [a, b] = [await gateway(), await gateway()];
    let release: () => void = () => undefined;
    hold = new Promise<void>((resolve) => (release = resolve));
    const before = runs;
    const key = `race-${uniqueName('k', '-')}`;
    let answered = 0;
    const pending = Array.from({ length: 10 }, (_, n) =>
      share(n % 2 === 0 ? a : b, key).then((response) => {
        answered += 1;
        return response;
      }),
    );
    // The refused ones answer at once; the winner waits for `hold` until they all have.
    while (answered < 9) await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    const statuses = (await Promise.all(pending)).map((response) => response.status).sort();
    expect(statuses).toEqual([201, ...Array.from({ length: 9 }, () => 409)]);
    expect(runs - before).toBe(1);
    hold = Promise.resolve();
  });
});
