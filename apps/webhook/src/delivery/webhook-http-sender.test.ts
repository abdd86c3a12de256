import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AddressPolicy } from './address-policy.js';
import type { ResolvedAddress } from './pinned-resolver.js';
import { WEBHOOK_USER_AGENT, WebhookHttpSender, type WebhookHttpSenderOptions } from './webhook-http-sender.js';

interface ReceivedRequest {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

interface TestServer {
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** Remote addresses of accepted TCP connections. */
  readonly connections: string[];
}

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An HTTP server on `host` that records every request and answers through `handle`. */
async function startServer(
  handle: (request: http.IncomingMessage, response: http.ServerResponse) => void,
  host = '127.0.0.1',
): Promise<TestServer> {
  const requests: ReceivedRequest[] = [];
  const connections: string[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ method: request.method, url: request.url, headers: request.headers, body: Buffer.concat(chunks).toString() });
      handle(request, response);
    });
  });
  server.on('connection', (socket) => connections.push(socket.remoteAddress ?? ''));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  cleanups.push(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  const address = server.address() as net.AddressInfo;
  return { port: address.port, requests, connections };
}

/** A raw TCP server that hands each socket's first bytes to `onData`. */
async function startTcpServer(onData: (socket: net.Socket, data: Buffer) => void): Promise<{ port: number; connections: number }> {
  const state = { port: 0, connections: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', (data) => onData(socket, data));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  }));
  state.port = (server.address() as net.AddressInfo).port;
  return state;
}

function sender(options: WebhookHttpSenderOptions = {}): WebhookHttpSender {
  const created = new WebhookHttpSender({
    addressPolicy: new AddressPolicy({ allow: ['127.0.0.0/8', '::1/128'] }),
    allowHttp: true,
    timeoutMs: 2_000,
    ...options,
  });
  cleanups.push(() => created.close());
  return created;
}

/** A resolver answering from a script, one answer per call (the last one repeats), counting calls. */
function scriptedResolve(...answers: ReadonlyArray<readonly ResolvedAddress[]>) {
  const calls: string[] = [];
  const resolve = (hostname: string): Promise<readonly ResolvedAddress[]> => {
    calls.push(hostname);
    return Promise.resolve(answers[Math.min(calls.length, answers.length) - 1] ?? []);
  };
  return { resolve, calls };
}

const loopback: readonly ResolvedAddress[] = [{ address: '127.0.0.1', family: 4 }];
const delivery = { headers: { 'webhook-id': 'msg_1' }, body: '{"type":"file.created"}' };

describe('WebhookHttpSender responses', () => {
  it('POSTs the JSON body with the sender headers and reports a 200', async () => {
    const server = await startServer((_request, response) => response.end('ok'));
    const result = await sender().send({
      url: `http://127.0.0.1:${server.port}/hooks?x=1`,
      headers: { 'Webhook-Id': 'msg_1', Host: 'attacker.example', 'Content-Type': 'text/plain' },
      body: '{"type":"file.created"}',
    });
    expect(result).toMatchObject({ kind: 'response', status: 200, bodyExcerpt: 'ok', bodyTruncated: false });
    expect(result).not.toHaveProperty('retryAfterSeconds');
    expect(server.requests).toHaveLength(1);
    const [received] = server.requests;
    expect(received).toMatchObject({ method: 'POST', url: '/hooks?x=1', body: '{"type":"file.created"}' });
    expect(received?.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': WEBHOOK_USER_AGENT,
      'webhook-id': 'msg_1',
      'content-length': '23',
      host: `127.0.0.1:${server.port}`,
    });
  });

  it('reports a 410 as a response', async () => {
    const server = await startServer((_request, response) => {
      response.statusCode = 410;
      response.end('gone');
    });
    const result = await sender().send({ url: `http://127.0.0.1:${server.port}/`, ...delivery });
    expect(result).toMatchObject({ kind: 'response', status: 410, bodyExcerpt: 'gone' });
  });

  it('reports a 500 with Retry-After in seconds', async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(500, { 'retry-after': '120' });
      response.end();
    });
    const result = await sender().send({ url: `http://127.0.0.1:${server.port}/`, ...delivery });
    expect(result).toMatchObject({ kind: 'response', status: 500, retryAfterSeconds: 120, bodyExcerpt: '' });
  });

  it('does not follow a redirect', async () => {
    const target = await startServer((_request, response) => response.end());
    const redirecting = await startServer((_request, response) => {
      response.writeHead(301, { location: `http://127.0.0.1:${target.port}/elsewhere` });
      response.end();
    });
    const result = await sender().send({ url: `http://127.0.0.1:${redirecting.port}/`, ...delivery });
    expect(result).toMatchObject({ kind: 'response', status: 301 });
    expect(target.connections).toEqual([]);
  });

  it('reads at most maxResponseBytes of an endless body, keeps the status and drops the connection', async () => {
    const server = await startServer((_request, response) => {
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = (): void => {
        while (!response.destroyed && response.write(chunk));
        if (!response.destroyed) response.once('drain', pump);
      };
      response.writeHead(200);
      pump();
    });
    const result = await sender({ maxResponseBytes: 1000 }).send({ url: `http://127.0.0.1:${server.port}/`, ...delivery });
    expect(result).toMatchObject({ kind: 'response', status: 200, bodyTruncated: true });
    expect(result.kind === 'response' ? result.bodyExcerpt : '').toBe('x'.repeat(1000));
  });

  it('reads a body of exactly maxResponseBytes without truncating it', async () => {
    const server = await startServer((_request, response) => response.end('y'.repeat(1000)));
    const result = await sender({ maxResponseBytes: 1000 }).send({ url: `http://127.0.0.1:${server.port}/`, ...delivery });
    expect(result).toMatchObject({ kind: 'response', status: 200, bodyTruncated: false, bodyExcerpt: 'y'.repeat(1000) });
  });

  it('fails with response_too_large when the response headers are oversized', async () => {
    const server = await startTcpServer((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nx-padding: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    });
    const result = await sender().send({ url: `http://127.0.0.1:${server.port}/`, ...delivery });
    expect(result).toMatchObject({ kind: 'failed', reason: 'response_too_large' });
  });
});

describe('WebhookHttpSender failures', () => {
  it('times out a server that never answers', async () => {
    const server = await startServer(() => undefined);
    const result = await sender({ timeoutMs: 300 }).send({ url: `http://127.0.0.1:${server.port}/`, ...delivery });
    expect(result).toMatchObject({ kind: 'failed', reason: 'timeout' });
    expect(result.durationMs).toBeGreaterThanOrEqual(250);
    expect(result.durationMs).toBeLessThan(2_000);
  });

  it('times out a server that sends its status and then stalls the body', async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200);
      response.write('partial');
    });
    const result = await sender({ timeoutMs: 300 }).send({ url: `http://127.0.0.1:${server.port}/`, ...delivery });
    expect(result).toMatchObject({ kind: 'failed', reason: 'timeout' });
  });

  it('counts resolution against the deadline', async () => {
    const resolve = (): Promise<readonly ResolvedAddress[]> => new Promise(() => undefined);
    const result = await sender({ timeoutMs: 300, resolve }).send({ url: 'http://slow-dns.test/', ...delivery });
    expect(result).toMatchObject({ kind: 'failed', reason: 'timeout' });
  });

  it('reports a closed port as a connection failure', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const result = await sender().send({ url: `http://127.0.0.1:${port}/`, ...delivery });
    expect(result).toMatchObject({ kind: 'failed', reason: 'connection', detail: 'the connection failed (ECONNREFUSED)' });
  });

  it('refuses a loopback address without the allowlist and makes no connection', async () => {
    const server = await startServer((_request, response) => response.end());
    const strict = sender({ addressPolicy: new AddressPolicy() });
    const byAddress = await strict.send({ url: `http://127.0.0.1:${server.port}/`, ...delivery });
    const byName = await strict.send({ url: `http://localhost:${server.port}/`, ...delivery });
    const mapped = await strict.send({ url: `http://[::ffff:127.0.0.1]:${server.port}/`, ...delivery });
    for (const result of [byAddress, byName, mapped]) expect(result).toMatchObject({ kind: 'failed', reason: 'refused_address' });
    expect(server.connections).toEqual([]);
  });

  it('refuses a name resolving to a private address', async () => {
    const { resolve } = scriptedResolve([{ address: '10.0.0.5', family: 4 }]);
    const result = await sender({ resolve }).send({ url: 'http://evil.test/', ...delivery });
    expect(result).toMatchObject({ kind: 'failed', reason: 'refused_address' });
  });

  it('reports an unresolvable name as dns', async () => {
    const resolve = (): Promise<readonly ResolvedAddress[]> => Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }));
    const result = await sender({ resolve }).send({ url: 'https://missing.test/', ...delivery });
    expect(result).toMatchObject({ kind: 'failed', reason: 'dns' });
  });

  it.each([
    ['not a url', true],
    ['ftp://hooks.example/', true],
    ['http://hooks.example/', false],
    ['https://user:secret@hooks.example/', false],
    ['https://user@hooks.example/', false],
  ])('refuses %j as invalid_url (allowHttp: %s)', async (url, allowHttp) => {
    const { resolve, calls } = scriptedResolve(loopback);
    const result = await sender({ allowHttp, resolve }).send({ url, ...delivery });
    expect(result).toMatchObject({ kind: 'failed', reason: 'invalid_url' });
    expect(result.kind === 'failed' ? result.detail : '').not.toContain('secret');
    expect(calls).toEqual([]);
  });

  it('throws for header names or values that cannot be sent (a programming error)', async () => {
    await expect(sender().send({ url: 'https://hooks.example/', headers: { 'bad header': 'x' }, body: '{}' })).rejects.toThrow(/invalid webhook header/);
    await expect(sender().send({ url: 'https://hooks.example/', headers: { ok: 'line\r\nbreak' }, body: '{}' })).rejects.toThrow(/invalid webhook header/);
  });
});

describe('WebhookHttpSender address pinning', () => {
  it('connects only to the address it checked, however DNS answers later (rebinding)', async () => {
    const server = await startServer((_request, response) => response.end('pinned'));
    // First answer: an allowed address. Any later answer: a private one.
    const { resolve, calls } = scriptedResolve(loopback, [{ address: '10.0.0.5', family: 4 }]);
    const webhookSender = sender({ resolve });

    const first = await webhookSender.send({ url: `http://rebind.test:${server.port}/hook`, ...delivery });
    expect(first).toMatchObject({ kind: 'response', status: 200, bodyExcerpt: 'pinned' });
    // One resolution for the check; the socket reused its answer instead of resolving again.
    expect(calls).toEqual(['rebind.test']);
    expect(server.connections).toEqual(['127.0.0.1']);
    expect(server.requests[0]?.headers.host).toBe(`rebind.test:${server.port}`);

    const second = await webhookSender.send({ url: `http://rebind.test:${server.port}/hook`, ...delivery });
    expect(second).toMatchObject({ kind: 'failed', reason: 'refused_address' });
    expect(server.requests).toHaveLength(1);
  });

  it('reuses a kept-alive connection for the same host and pinned address', async () => {
    const server = await startServer((_request, response) => response.end('ok'));
    const { resolve } = scriptedResolve(loopback);
    const webhookSender = sender({ resolve });
    for (let i = 0; i < 3; i++) {
      expect(await webhookSender.send({ url: `http://pool.test:${server.port}/`, ...delivery })).toMatchObject({ status: 200 });
    }
    expect(server.requests).toHaveLength(3);
    expect(server.connections).toHaveLength(1);
  });

  it('opens a new connection when the same host pins a different address', async (context) => {
    let server: TestServer;
    try {
      server = await startServer((_request, response) => response.end('ok'), '::');
    } catch {
      context.skip();
      return;
    }
    const { resolve } = scriptedResolve(loopback, [{ address: '::1', family: 6 }]);
    const webhookSender = sender({ resolve });
    expect(await webhookSender.send({ url: `http://pool.test:${server.port}/`, ...delivery })).toMatchObject({ status: 200 });
    expect(await webhookSender.send({ url: `http://pool.test:${server.port}/`, ...delivery })).toMatchObject({ status: 200 });
    expect(server.connections).toEqual(['::ffff:127.0.0.1', '::1']);
  });

  it('sends to a bracketed IPv6 literal without any lookup', async (context) => {
    let server: TestServer;
    try {
      server = await startServer((_request, response) => response.end('v6'), '::1');
    } catch {
      context.skip();
      return;
    }
    const { resolve, calls } = scriptedResolve(loopback);
    const result = await sender({ resolve }).send({ url: `http://[::1]:${server.port}/`, ...delivery });
    expect(result).toMatchObject({ kind: 'response', status: 200, bodyExcerpt: 'v6' });
    expect(calls).toEqual([]);
    expect(server.requests[0]?.headers.host).toBe(`[::1]:${server.port}`);
  });

  it('connects TLS to the pinned address with the hostname as SNI', async () => {
    let clientHello: Buffer = Buffer.alloc(0);
    const server = await startTcpServer((socket, data) => {
      clientHello = data;
      socket.destroy();
    });
    const { resolve, calls } = scriptedResolve(loopback);
    const result = await sender({ allowHttp: false, resolve }).send({ url: `https://hooks.sni.test:${server.port}/`, ...delivery });
    expect(result).toMatchObject({ kind: 'failed', reason: 'connection' });
    expect(calls).toEqual(['hooks.sni.test']);
    expect(server.connections).toBe(1);
    // The server_name extension of the ClientHello is plaintext.
    expect(clientHello.includes('hooks.sni.test')).toBe(true);
  });
});
