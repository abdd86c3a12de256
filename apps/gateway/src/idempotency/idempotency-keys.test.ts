import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { restOperations } from '@coffer/contracts';
import { AppError, createLogger, createMetricsRegistry, errors, HttpServerMetrics, initTracing } from '@coffer/platform';
import { MemoryRateLimiter } from '@coffer/rate-limit';
import type { Request, Response } from 'express';
import type { AuthenticatedCaller } from '../auth/access-token-authenticator.js';
import { createGatewayApp } from '../http/gateway-app.js';
import type { OperationHandlers } from '../http/operation.js';
import { GatewayRateLimitMetrics } from '../http/rate-limiting.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { takesIdempotencyKey } from './idempotency-keys.js';
import { MemoryIdempotencyStore } from './memory-idempotency-store.js';

const FILE = '0b6f5d0e-8f7a-4d55-9d54-4ef8a4b1a111';
const OTHER_FILE = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const GRANTEE = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const SHARES = `/v1/files/${FILE}/shares`;
const TTL_MS = 86_400_000;
const UPLOAD_TIMEOUT_MS = 30_000;

/** `Bearer token-<userId>` signs in as that user (token verification is tested in auth/). */
const authenticator = {
  authenticate: (header: string | undefined): Promise<AuthenticatedCaller> => {
    const userId = /^Bearer token-(.+)$/.exec(header ?? '')?.[1];
    return userId ? Promise.resolve({ userId, sessionId: `s-${userId}`, admin: false, tokenExpiresAt: 0 }) : Promise.reject(errors.unauthenticated());
  },
};

/** Handlers that stand in for the services: they count their runs and answer what the test says. */
class CountingHandlers {
  runs = 0;
  /** Each run's answer; the last one repeats. */
  answers: ((req: Request, res: Response) => Promise<void> | void)[] = [];

  handler() {
    return async (req: Request, res: Response): Promise<void> => {
      this.runs += 1;
      const answer = this.answers[Math.min(this.runs - 1, this.answers.length - 1)];
      if (!answer) throw new Error('no answer set by the test');
      await answer(req, res);
    };
  }
}

const shareOf = (caller: string, run: number) => ({ id: `share-${run}`, fileId: FILE, granteeId: GRANTEE, permission: 'read', createdBy: caller, createdAt: '2026-11-26T10:00:00.000Z' });

describe('Idempotency-Key', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  /** The gateway app on a real port; `bodiesEnded` counts requests whose body was read to the end. */
  async function start(handlers: OperationHandlers, store: IdempotencyStore = new MemoryIdempotencyStore(), uploadTimeoutMs = UPLOAD_TIMEOUT_MS) {
    const registry = createMetricsRegistry('gateway');
    const app = createGatewayApp({
      logger: createLogger({ service: 'gateway', level: 'silent' }),
      tracing: initTracing({ service: 'gateway', version: 'test' }),
      httpMetrics: new HttpServerMetrics(registry),
      idempotency: { store, ttlMs: TTL_MS, leaseMs: 60_000, uploadTimeoutMs },
      handlers,
      authenticator,
      rateLimits: {
        limiter: new MemoryRateLimiter(),
        policy: { failMode: 'open', rules: { credentials: { limit: 1000, windowMs: 60_000 }, anonymous: { limit: 1000, windowMs: 60_000 }, user: { limit: 1000, windowMs: 60_000 } } },
        metrics: new GatewayRateLimitMetrics(registry),
      },
    });
    const counts = { bodiesEnded: 0 };
    server = createServer((req, res) => {
      // An 'end' listener does not start reading the body; it only observes that someone did.
      req.once('end', () => (counts.bodiesEnded += 1));
      app(req, res);
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server?.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const post = (path: string, options: { user?: string; key?: string; body?: unknown; rawBody?: string } = {}) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer token-${options.user ?? 'alice'}`,
          'content-type': 'application/json',
          ...(options.key === undefined ? {} : { 'idempotency-key': options.key }),
        },
        body: options.rawBody ?? JSON.stringify(options.body ?? { granteeId: GRANTEE, permission: 'read' }),
      });
    return { base, post, counts };
  }

  /** createShare answering 201 with a share numbered by run. */
  function sharesHandlers(): { counting: CountingHandlers; handlers: OperationHandlers } {
    const counting = new CountingHandlers();
    counting.answers = [(_req, res) => void res.status(201).json(shareOf(String((res.locals['caller'] as AuthenticatedCaller).userId), counting.runs))];
    return { counting, handlers: { createShare: counting.handler() } };
  }

  it('is applied exactly to the operations whose contract has the parameter', () => {
    expect(restOperations.filter(takesIdempotencyKey).map((operation) => operation.operationId).sort()).toEqual(['createShare', 'pingWebhook', 'replayWebhookDeliveries', 'uploadFile']);
  });

  it('runs every request that has no key', async () => {
    const { counting, handlers } = sharesHandlers();
    const { post } = await start(handlers);
    expect((await post(SHARES)).status).toBe(201);
    expect((await post(SHARES)).status).toBe(201);
    expect(counting.runs).toBe(2);
  });

  it('stores the first answer and replays it (status, body, headers) without running the handler again', async () => {
    const counting = new CountingHandlers();
    counting.answers = [(_req, res) => void res.status(201).setHeader('location', '/v1/shares/s1').setHeader('etag', '"v1"').json(shareOf('alice', counting.runs))];
    const store = new MemoryIdempotencyStore();
    const { post } = await start({ createShare: counting.handler() }, store);

    const first = await post(SHARES, { key: 'key-0001-first' });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const firstBody = await first.text();

    const again = await post(SHARES, { key: 'key-0001-first' });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe('/v1/shares/s1');
    expect(again.headers.get('etag')).toBe('"v1"');
    expect(again.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(await again.text()).toBe(firstBody);
    // The retry is a request of its own: its own request id.
    expect(again.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
    expect(counting.runs).toBe(1);
  });

  it('treats the same JSON with other key order or spacing as the same request', async () => {
    const { counting, handlers } = sharesHandlers();
    const { post } = await start(handlers);
    await post(SHARES, { key: 'key-0002-order', rawBody: `{"granteeId":"${GRANTEE}","permission":"read"}` });
    const again = await post(SHARES, { key: 'key-0002-order', rawBody: `{ "permission": "read",\n  "granteeId": "${GRANTEE}" }` });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(counting.runs).toBe(1);
  });

  it.each([
    ['another body', SHARES, { granteeId: GRANTEE, permission: 'read-write' }],
    ['another path parameter', `/v1/files/${OTHER_FILE}/shares`, { granteeId: GRANTEE, permission: 'read' }],
  ])('refuses the same key with %s: 422 idempotency_key_reused, handler not run', async (_case, path, body) => {
    const { counting, handlers } = sharesHandlers();
    const { post } = await start(handlers);
    await post(SHARES, { key: 'key-0003-reused' });
    const reused = await post(path, { key: 'key-0003-reused', body });
    expect(reused.status).toBe(422);
    expect(reused.headers.get('content-type')).toContain('application/problem+json');
    expect(await reused.json()).toMatchObject({
      type: 'https://coffer.dev/problems/idempotency-key-reused',
      status: 422,
      code: 'idempotency_key_reused',
      title: 'Idempotency key reused',
    });
    expect(counting.runs).toBe(1);
  });

  it('refuses the same key while the first request runs (409 idempotency_key_in_use), then replays once it is done', async () => {
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => (started = resolve));
    const counting = new CountingHandlers();
    counting.answers = [
      async (_req, res) => {
        started();
        await finished;
        res.status(201).json(shareOf('alice', 1));
      },
    ];
    const { post } = await start({ createShare: counting.handler() });

    const first = post(SHARES, { key: 'key-0004-busy' });
    await running;
    const busy = await post(SHARES, { key: 'key-0004-busy' });
    expect(busy.status).toBe(409);
    expect(await busy.json()).toMatchObject({ status: 409, code: 'idempotency_key_in_use' });
    // A different request with the key is refused as reused, even while the first runs.
    expect((await post(SHARES, { key: 'key-0004-busy', body: { granteeId: GRANTEE, permission: 'read-write' } })).status).toBe(422);

    finish();
    expect((await first).status).toBe(201);
    const replayed = await post(SHARES, { key: 'key-0004-busy' });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(counting.runs).toBe(1);
  });

  it.each([
    ['500 (a failure)', () => new Error('boom'), 500],
    ['503', () => errors.unavailable('The file service is unavailable.', 1), 503],
    ['503 (timed out)', () => new AppError('deadline_exceeded'), 503],
    ['429', () => new AppError('rate_limited', { detail: 'slow down', retryAfterSeconds: 1 }), 429],
    ['401', () => errors.unauthenticated(), 401],
  ])('does not keep a %s answer: the retry with the same key runs again and its answer is kept', async (_case, failure, status) => {
    const counting = new CountingHandlers();
    counting.answers = [
      () => {
        throw failure();
      },
      (_req, res) => void res.status(201).json(shareOf('alice', 2)),
    ];
    const { post } = await start({ createShare: counting.handler() });
    expect((await post(SHARES, { key: 'key-0005-retry' })).status).toBe(status);
    const retried = await post(SHARES, { key: 'key-0005-retry' });
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    const replayed = await post(SHARES, { key: 'key-0005-retry' });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(await replayed.json()).toMatchObject({ id: 'share-2' });
    expect(counting.runs).toBe(2);
  });

  it('keeps a 4xx answer (the outcome of the request) and replays it as problem+json', async () => {
    const counting = new CountingHandlers();
    counting.answers = [
      () => {
        throw errors.notFound('No such file.');
      },
    ];
    const { post } = await start({ createShare: counting.handler() });
    const first = await post(SHARES, { key: 'key-0006-404' });
    expect(first.status).toBe(404);
    const replayed = await post(SHARES, { key: 'key-0006-404' });
    expect(replayed.status).toBe(404);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.headers.get('content-type')).toContain('application/problem+json');
    expect(await replayed.json()).toMatchObject({ code: 'not_found', detail: 'No such file.' });
    expect(counting.runs).toBe(1);
  });

  it("scopes keys to the caller: another user's request with the same key runs on its own and never sees the first answer", async () => {
    const { counting, handlers } = sharesHandlers();
    const { post } = await start(handlers);
    const alice = await post(SHARES, { user: 'alice', key: 'key-0007-shared' });
    expect(await alice.json()).toMatchObject({ createdBy: 'alice', id: 'share-1' });

    const mallory = await post(SHARES, { user: 'mallory', key: 'key-0007-shared' });
    expect(mallory.status).toBe(201);
    expect(mallory.headers.get('idempotent-replayed')).toBeNull();
    expect(await mallory.json()).toMatchObject({ createdBy: 'mallory', id: 'share-2' });
    // Not even as a 422 with a different body: the other user's key does not exist for mallory.
    expect((await post(SHARES, { user: 'eve', key: 'key-0007-shared', body: { granteeId: GRANTEE, permission: 'read-write' } })).status).toBe(201);

    const aliceAgain = await post(SHARES, { user: 'alice', key: 'key-0007-shared' });
    expect(aliceAgain.headers.get('idempotent-replayed')).toBe('true');
    expect(await aliceAgain.json()).toMatchObject({ createdBy: 'alice', id: 'share-1' });
    expect(counting.runs).toBe(3);
  });

  it('refuses a request without a valid token before looking at the key (401, nothing reserved)', async () => {
    const { counting, handlers } = sharesHandlers();
    const { base, post } = await start(handlers);
    const anonymous = await fetch(`${base}${SHARES}`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'key-0008-anon' }, body: '{}' });
    expect(anonymous.status).toBe(401);
    expect((await post(SHARES, { key: 'key-0008-anon' })).status).toBe(201);
    expect(counting.runs).toBe(1);
  });

  it('runs the request again once the stored answer has expired', async () => {
    let now = 1_800_000_000_000;
    const { counting, handlers } = sharesHandlers();
    const { post } = await start(handlers, new MemoryIdempotencyStore({ clock: () => now }));
    await post(SHARES, { key: 'key-0009-expiry' });
    now += TTL_MS - 1;
    expect((await post(SHARES, { key: 'key-0009-expiry' })).headers.get('idempotent-replayed')).toBe('true');
    now += 1;
    const fresh = await post(SHARES, { key: 'key-0009-expiry' });
    expect(fresh.headers.get('idempotent-replayed')).toBeNull();
    expect(await fresh.json()).toMatchObject({ id: 'share-2' });
    expect(counting.runs).toBe(2);
  });

  it.each([
    ['too short', 'short'],
    ['with a space', 'has a space'],
    ['not ASCII', 'schlüssel-1234'],
    ['too long', 'k'.repeat(256)],
  ])('refuses a key that is %s with 400 before running anything', async (_case, key) => {
    const { counting, handlers } = sharesHandlers();
    const { post } = await start(handlers);
    const response = await post(SHARES, { key });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'invalid_argument', detail: expect.stringContaining('Idempotency-Key') as unknown });
    expect(counting.runs).toBe(0);
  });

  it('answers 503 without running the request when the store cannot be reached (fail closed)', async () => {
    const { counting, handlers } = sharesHandlers();
    const store = new MemoryIdempotencyStore();
    await store.close();
    const { post } = await start(handlers, store);
    const response = await post(SHARES, { key: 'key-0010-down' });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(counting.runs).toBe(0);
    // Without a key the store is not needed.
    expect((await post(SHARES)).status).toBe(201);
  });

  it('ignores the header on an operation whose contract does not have it', async () => {
    const counting = new CountingHandlers();
    counting.answers = [(_req, res) => void res.status(201).json({ id: 'l1' })];
    const { post } = await start({ createLink: counting.handler() });
    await post(`/v1/files/${FILE}/links`, { key: 'key-0011-ignored', body: {} });
    const second = await post(`/v1/files/${FILE}/links`, { key: 'key-0011-ignored', body: {} });
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(counting.runs).toBe(2);
  });

  describe('streamed upload (uploadFile)', () => {
    const MIB = 1024 * 1024;
    const content = Buffer.alloc(4 * MIB, 7);
    const digest = `sha-256=:${createHash('sha256').update(content).digest('base64')}:`;

    /** An upload handler that reads the whole body, as the real one streams it to the file service. */
    function uploadHandlers() {
      const counting = new CountingHandlers();
      const received: number[] = [];
      counting.answers = [
        async (req, res) => {
          let bytes = 0;
          for await (const chunk of req) bytes += (chunk as Buffer).length;
          received.push(bytes);
          res.status(201).setHeader('location', `/v1/files/f${counting.runs}`).setHeader('etag', `"sha-${counting.runs}"`).json({ id: `f${counting.runs}`, size: bytes });
        },
      ];
      return { counting, received, handlers: { uploadFile: counting.handler() } satisfies OperationHandlers };
    }

    /** POST /v1/files with node:http, writing the body in chunks as a client streaming a file does. */
    function upload(base: string, options: { key: string; body: Buffer; digest?: string; user?: string }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
      return new Promise((resolve, reject) => {
        const request = httpRequest(`${base}/v1/files?name=notes.bin`, {
          method: 'POST',
          headers: {
            authorization: `Bearer token-${options.user ?? 'alice'}`,
            'content-type': 'application/octet-stream',
            'content-length': String(options.body.length),
            'idempotency-key': options.key,
            ...(options.digest === undefined ? {} : { 'content-digest': options.digest }),
          },
        });
        request.on('error', reject);
        request.on('response', (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
          response.on('error', reject);
        });
        const write = async () => {
          for (let offset = 0; offset < options.body.length; offset += 64 * 1024) {
            if (!request.write(options.body.subarray(offset, offset + 64 * 1024))) await new Promise((drained) => request.once('drain', drained));
          }
          request.end();
        };
        void write().catch(reject);
      });
    }

    it('replays a finished upload after reading and discarding the retried body, without uploading again', async () => {
      const { counting, received, handlers } = uploadHandlers();
      const { base, counts } = await start(handlers);
      const first = await upload(base, { key: 'upload-0001', body: content, digest });
      expect(first.status).toBe(201);

      const again = await upload(base, { key: 'upload-0001', body: content, digest });
      expect(again.status).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.headers['location']).toBe('/v1/files/f1');
      expect(again.headers['etag']).toBe('"sha-1"');
      expect(again.headers['connection']).not.toBe('close');
      expect(again.body).toBe(first.body);
      expect(counting.runs).toBe(1);
      expect(received).toEqual([content.length]);
      // Both bodies were read to the end: the first by the handler, the retry by the replay.
      expect(counts.bodiesEnded).toBe(2);
    });

    it('answers a replay whose client stalls mid-body once the upload timeout has passed, closing the connection', async () => {
      const { counting, handlers } = uploadHandlers();
      const { base } = await start(handlers, new MemoryIdempotencyStore(), 300);
      await upload(base, { key: 'upload-0004', body: content, digest });
      const stalled = httpRequest(`${base}/v1/files?name=notes.bin`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer token-alice',
          'content-type': 'application/octet-stream',
          'content-length': String(content.length),
          'content-digest': digest,
          'idempotency-key': 'upload-0004',
        },
      });
      const answered = new Promise<{ status: number; replayed: unknown; connection: unknown }>((resolve, reject) => {
        stalled.on('response', (response) => {
          resolve({ status: response.statusCode ?? 0, replayed: response.headers['idempotent-replayed'], connection: response.headers['connection'] });
          response.resume();
        });
        stalled.on('error', reject);
      });
      // A part of the body, then nothing more: the client neither finishes nor leaves.
      stalled.write(content.subarray(0, 64 * 1024));
      const response = await answered;
      stalled.destroy();
      expect(response).toEqual({ status: 201, replayed: 'true', connection: 'close' });
      expect(counting.runs).toBe(1);
    });

    it('refuses a second upload with the key while the first still streams (409), closing its connection', async () => {
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      const counting = new CountingHandlers();
      counting.answers = [
        async (req, res) => {
          await held;
          for await (const _chunk of req) void _chunk;
          res.status(201).json({ id: 'f1' });
        },
      ];
      const { base } = await start({ uploadFile: counting.handler() });
      const small = Buffer.alloc(1024, 1);
      const first = upload(base, { key: 'upload-0005', body: small });
      // The first holds the key once its handler runs.
      while (counting.runs === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      const busy = await upload(base, { key: 'upload-0005', body: small });
      expect(busy.status).toBe(409);
      expect(busy.headers['connection']).toBe('close');
      expect(JSON.parse(busy.body)).toMatchObject({ code: 'idempotency_key_in_use' });
      release();
      expect((await first).status).toBe(201);
      expect(counting.runs).toBe(1);
    });

    it('refuses the same key for another file (other size or digest) with 422 and closes the connection', async () => {
      const { counting, handlers } = uploadHandlers();
      const { base } = await start(handlers);
      await upload(base, { key: 'upload-0002', body: content, digest });
      // Small enough to be written whole before the gateway answers and closes (a large body may see a reset instead).
      const other = Buffer.alloc(1024, 8);
      const otherDigest = `sha-256=:${createHash('sha256').update(other).digest('base64')}:`;
      const refused = await upload(base, { key: 'upload-0002', body: other, digest: otherDigest });
      expect(refused.status).toBe(422);
      expect(refused.headers['connection']).toBe('close');
      expect(JSON.parse(refused.body)).toMatchObject({ code: 'idempotency_key_reused' });
      expect(counting.runs).toBe(1);
    });

    it('keeps uploads of different users apart even with the same key and bytes', async () => {
      const { counting, handlers } = uploadHandlers();
      const { base } = await start(handlers);
      await upload(base, { key: 'upload-0003', body: content, digest, user: 'alice' });
      const bob = await upload(base, { key: 'upload-0003', body: content, digest, user: 'bob' });
      expect(bob.headers['idempotent-replayed']).toBeUndefined();
      expect(JSON.parse(bob.body)).toMatchObject({ id: 'f2' });
      expect(counting.runs).toBe(2);
    });
  });
});
