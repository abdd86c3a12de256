import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sendJson, startLocalApiServer, type LocalApiServer, type RecordedRequest } from '../test-support/local-api-server.js';
import { CofferClient } from './coffer-client.js';
import { CofferApiError, CofferIntegrityError, CofferNetworkError } from './coffer-errors.js';
import { formatSha256Digest } from './content-digest.js';
import type { TokenPair } from './token-session.js';

/**
 * The client against a real HTTP server on 127.0.0.1 (no mocked fetch): what goes on the wire
 * (headers, bodies, retries, refreshes) and how answers come back.
 */
let server: LocalApiServer;
const dir = mkdtempSync(join(tmpdir(), 'coffer-sdk-client-'));
beforeAll(async () => {
  server = await startLocalApiServer();
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  server.requests.length = 0;
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const pair = (n: number): TokenPair => ({ accessToken: `access-${n}`, refreshToken: `refresh-${n}`, tokenType: 'Bearer', expiresIn: 600, refreshTokenExpiresAt: '2030-01-01T00:00:00Z' });
const fileRecord = (overrides: Record<string, unknown>) => ({
  id: '00000000-0000-4000-8000-000000000001',
  ownerId: '00000000-0000-4000-8000-000000000002',
  name: 'f',
  folder: '/',
  size: 0,
  contentType: 'application/octet-stream',
  sniffedContentType: 'application/octet-stream',
  sha256: '',
  version: 1,
  versionCount: 1,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  ...overrides,
});
const client = (options: Partial<ConstructorParameters<typeof CofferClient>[0]> = {}) => new CofferClient({ baseUrl: server.url, tokens: pair(1), ...options });
const problem = (status: number, code: string) => ({ type: 'about:blank', title: code, status, code });

describe('retries', () => {
  it('retries a GET on 503 and 429, honouring Retry-After', async () => {
    let calls = 0;
    server.handle((_request, response) => {
      calls += 1;
      if (calls === 1) sendJson(response, 503, problem(503, 'unavailable'), { 'retry-after': '0' });
      else if (calls === 2) sendJson(response, 429, problem(429, 'rate_limited'), { 'retry-after': '0' });
      else sendJson(response, 200, fileRecord({}));
    });
    await expect(client().files.get('x')).resolves.toMatchObject({ name: 'f' });
    expect(calls).toBe(3);
  });

  it('gives up after `retries` and throws the last answer', async () => {
    server.handle((_request, response) => sendJson(response, 503, problem(503, 'unavailable'), { 'retry-after': '0' }));
    await expect(client({ retries: 2 }).files.get('x')).rejects.toMatchObject({ status: 503, code: 'unavailable' });
    expect(server.requests).toHaveLength(3);
  });

  it('never retries a 4xx other than 429, nor a 500', async () => {
    server.handle((_request, response) => sendJson(response, 404, problem(404, 'not_found')));
    await expect(client().files.get('x')).rejects.toBeInstanceOf(CofferApiError);
    server.handle((_request, response) => sendJson(response, 500, problem(500, 'internal')));
    await expect(client().files.get('x')).rejects.toMatchObject({ status: 500 });
    expect(server.requests).toHaveLength(2);
  });

  it('retries createShare with the same generated Idempotency-Key, and a POST without a key not at all', async () => {
    let calls = 0;
    server.handle((request, response) => {
      calls += 1;
      if (request.url.endsWith('/shares') && calls === 1) sendJson(response, 502, problem(502, 'bad_gateway'), { 'retry-after': '0' });
      else if (request.url.endsWith('/shares')) sendJson(response, 201, { id: 's', fileId: 'f', granteeId: 'g', permission: 'read', createdBy: 'o', createdAt: '2026-01-01T00:00:00Z' });
      else sendJson(response, 503, problem(503, 'unavailable'), { 'retry-after': '0' });
    });
    await client().shares.create('f', { granteeId: 'g', permission: 'read' });
    const keys = server.requests.map((request) => request.headers['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);

    server.requests.length = 0;
    await expect(client().links.create('f')).rejects.toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(1);
  });

  it('retries a PATCH guarded by If-Match, and not an unguarded one', async () => {
    server.handle((request, response) => {
      if (request.method === 'PATCH' && server.requests.length === 1) sendJson(response, 503, problem(503, 'unavailable'), { 'retry-after': '0' });
      else if (request.headers['if-match']) sendJson(response, 200, fileRecord({ name: 'renamed' }));
      else sendJson(response, 503, problem(503, 'unavailable'), { 'retry-after': '0' });
    });
    await expect(client().files.update('f', { name: 'renamed' }, { ifMatch: '"abc"' })).resolves.toMatchObject({ name: 'renamed' });
    expect(server.requests.map((request) => request.headers['if-match'])).toEqual(['"abc"', '"abc"']);
    server.requests.length = 0;
    await expect(client().files.update('f', { name: 'renamed' })).rejects.toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(1);
  });

  it('stops waiting for a retry when the caller aborts', async () => {
    server.handle((_request, response) => sendJson(response, 503, problem(503, 'unavailable'), { 'retry-after': '30' }));
    const controller = new AbortController();
    const download = client().files.download('f', { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stopped by the caller')), 100);
    await expect(download).rejects.toThrow('stopped by the caller');
    expect(server.requests).toHaveLength(1);
  });

  it('turns a refused connection into a CofferNetworkError', async () => {
    const closed = await startLocalApiServer();
    await closed.close();
    await expect(new CofferClient({ baseUrl: closed.url, retries: 0 }).users.me()).rejects.toBeInstanceOf(CofferNetworkError);
  });

  it('turns a non-JSON error page into a CofferApiError with the status', async () => {
    server.handle((_request, response) => {
      response.writeHead(400, { 'content-type': 'text/html' });
      response.end('<h1>bad</h1>');
    });
    await expect(client().users.me()).rejects.toMatchObject({ status: 400, code: 'http_400', detail: '<h1>bad</h1>' });
  });
});

describe('tokens', () => {
  it('refreshes once after concurrent 401s, repeats the calls with the new token and reports the rotated pair', async () => {
    const reported: (TokenPair | undefined)[] = [];
    server.handle((request, response) => {
      if (request.url === '/v1/auth/refresh') {
        expect(JSON.parse(request.body.toString())).toEqual({ refreshToken: 'refresh-1' });
        setTimeout(() => sendJson(response, 200, pair(2)), 50);
      } else if (request.headers.authorization === 'Bearer access-2') sendJson(response, 200, { id: 'u' });
      else sendJson(response, 401, problem(401, 'unauthenticated'));
    });
    const coffer = client({ onTokens: (tokens) => void reported.push(tokens) });
    const answers = await Promise.all([coffer.users.me(), coffer.users.usage(), coffer.files.get('x')]);
    expect(answers).toHaveLength(3);
    expect(server.requests.filter((request) => request.url === '/v1/auth/refresh')).toHaveLength(1);
    expect(reported.map((tokens) => tokens?.accessToken)).toEqual(['access-2']);
    expect(coffer.auth.tokens?.refreshToken).toBe('refresh-2');
  });

  it('throws the 401 and forgets the tokens when the refresh is refused', async () => {
    const reported: (TokenPair | undefined)[] = [];
    server.handle((request, response) => sendJson(response, 401, problem(401, request.url === '/v1/auth/refresh' ? 'invalid_refresh_token' : 'unauthenticated')));
    const coffer = client({ onTokens: (tokens) => void reported.push(tokens) });
    await expect(coffer.users.me()).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(reported).toEqual([undefined]);
    expect(coffer.auth.signedIn).toBe(false);
  });

  it('logs in, reports the tokens, and forgets them on logout', async () => {
    const reported: (TokenPair | undefined)[] = [];
    server.handle((request, response) => {
      if (request.url === '/v1/auth/login') sendJson(response, 200, pair(5));
      else {
        response.writeHead(204);
        response.end();
      }
    });
    const coffer = new CofferClient({ baseUrl: server.url, onTokens: (tokens) => void reported.push(tokens) });
    await coffer.auth.login({ email: 'a@example.com', password: 'p' });
    await coffer.auth.logout();
    expect(server.requests.map((request) => [request.url, request.headers.authorization])).toEqual([
      ['/v1/auth/login', undefined],
      ['/v1/auth/logout', 'Bearer access-5'],
    ]);
    expect(reported.map((tokens) => tokens?.accessToken)).toEqual(['access-5', undefined]);
    expect(coffer.auth.tokens).toBeUndefined();
  });
});

/** Answers an upload with the SHA-256 of what arrived (or a wrong one). */
const uploadAnswer = (lie = false) => (request: RecordedRequest, response: Parameters<Parameters<LocalApiServer['handle']>[0]>[1]) =>
  sendJson(response, 201, fileRecord({ size: request.body.length, sha256: lie ? sha256(Buffer.from('other')) : sha256(request.body) }));

describe('uploads', () => {
  const content = Buffer.alloc(1_000_000, 7);

  it('streams a Node stream with progress that only grows and ends at the size', async () => {
    server.handle(uploadAnswer());
    const progress: number[] = [];
    const file = await client().files.upload(Readable.from([content.subarray(0, 300_000), content.subarray(300_000)]), {
      name: 'stream.bin',
      folder: '/in',
      size: content.length,
      onProgress: ({ transferred, total }) => {
        expect(total).toBe(content.length);
        progress.push(transferred);
      },
    });
    expect(file.sha256).toBe(sha256(content));
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(content.length);
    const [request] = server.requests;
    expect(request?.url).toBe('/v1/files?name=stream.bin&folder=%2Fin');
    expect(request?.headers['content-digest']).toBeUndefined();
    expect(request?.headers['content-length']).toBe(String(content.length));
    expect(request?.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends Content-Digest for bytes it can hash first', async () => {
    server.handle(uploadAnswer());
    await client().files.upload(content, { name: 'bytes.bin', contentType: 'application/x-test' });
    expect(server.requests[0]?.headers['content-digest']).toBe(formatSha256Digest(sha256(content)));
    expect(server.requests[0]?.headers['content-type']).toBe('application/x-test');
  });

  it('throws CofferIntegrityError when the server stored other bytes than were sent', async () => {
    server.handle(uploadAnswer(true));
    await expect(client().files.upload(content, { name: 'x.bin' })).rejects.toBeInstanceOf(CofferIntegrityError);
    await expect(client().files.upload(Readable.from([content]), { name: 'x.bin' })).rejects.toBeInstanceOf(CofferIntegrityError);
  });

  it('does not retry an upload from a one-shot stream', async () => {
    server.handle((_request, response) => sendJson(response, 503, problem(503, 'unavailable'), { 'retry-after': '0' }));
    await expect(client().files.upload(Readable.from([content]), { name: 'once.bin' })).rejects.toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(1);
  });

  it('requires a name for sources that have none', async () => {
    await expect(client().files.upload(content)).rejects.toThrow(TypeError);
  });
});

describe('downloads', () => {
  const content = Buffer.from('the bytes of a file '.repeat(10_000));
  const serve = (digestOf: Buffer) => (_request: RecordedRequest, response: Parameters<Parameters<LocalApiServer['handle']>[0]>[1]) => {
    response.writeHead(200, {
      'content-type': 'text/plain',
      'content-length': String(content.length),
      'content-digest': formatSha256Digest(sha256(digestOf)),
      'repr-digest': formatSha256Digest(sha256(digestOf)),
      etag: `"${sha256(digestOf)}"`,
      'content-disposition': `attachment; filename="report.txt"; filename*=UTF-8''r%C3%A9port.txt`,
    });
    response.end(content);
  };

  it('streams with metadata from the headers and progress', async () => {
    server.handle(serve(content));
    const progress: number[] = [];
    const download = await client().files.download('f', { onProgress: ({ transferred }) => progress.push(transferred), range: { start: 0 } });
    expect(download).toMatchObject({ status: 200, size: content.length, sha256: sha256(content), fileName: 'réport.txt', contentType: 'text/plain', etag: `"${sha256(content)}"` });
    const chunks: Buffer[] = [];
    for await (const chunk of download.toNodeStream()) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(content)).toBe(true);
    expect(progress.at(-1)).toBe(content.length);
    expect(server.requests[0]?.headers.range).toBe('bytes=0-');
  });

  it('errors the stream with CofferIntegrityError when the bytes do not match the digest', async () => {
    server.handle(serve(Buffer.from('something else')));
    const download = await client().files.download('f');
    const read = async () => {
      for await (const _chunk of download.body) {
        // drain
      }
    };
    await expect(read()).rejects.toBeInstanceOf(CofferIntegrityError);
  });

  it('downloads a link without the access token, and reports 304 as not modified', async () => {
    server.handle((_request, response) => {
      response.writeHead(304, { etag: '"e"' });
      response.end();
    });
    const download = await client().links.download('a-link-token-of-some-length', { ifNoneMatch: '"e"' });
    expect(download).toMatchObject({ status: 304, notModified: true, etag: '"e"' });
    expect(server.requests[0]?.url).toBe('/v1/links/a-link-token-of-some-length');
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
    expect(server.requests[0]?.headers['if-none-match']).toBe('"e"');
  });

  it('downloadTo writes the file and reports its SHA-256', async () => {
    server.handle(serve(content));
    const target = join(dir, 'ok.txt');
    const written = await client().files.downloadTo('f', target);
    expect(written).toMatchObject({ path: target, size: content.length, sha256: sha256(content), serverSha256: sha256(content), notModified: false });
    expect(readFileSync(target).equals(content)).toBe(true);
  });

  it('downloadTo leaves nothing behind when the bytes do not match', async () => {
    server.handle(serve(Buffer.from('something else')));
    const sub = mkdtempSync(join(dir, 'bad-'));
    await expect(client().files.downloadTo('f', join(sub, 'bad.txt'))).rejects.toBeInstanceOf(CofferIntegrityError);
    expect(existsSync(join(sub, 'bad.txt'))).toBe(false);
    expect(readdirSync(sub)).toEqual([]);
  });
});

describe('pagination and the typed request', () => {
  it('lists every file across pages', async () => {
    server.handle((request, response) => {
      const token = new URL(request.url, server.url).searchParams.get('pageToken');
      if (token === null) sendJson(response, 200, { files: [fileRecord({ name: 'a' }), fileRecord({ name: 'b' })], nextPageToken: 'p2' });
      else sendJson(response, 200, { files: [fileRecord({ name: 'c' })] });
    });
    const names: string[] = [];
    for await (const file of client().files.list({ folder: '/docs', pageSize: 2 })) names.push(file.name);
    expect(names).toEqual(['a', 'b', 'c']);
    expect(server.requests.map((request) => request.url)).toEqual(['/v1/files?folder=%2Fdocs&pageSize=2', '/v1/files?folder=%2Fdocs&pageSize=2&pageToken=p2']);
  });

  it('fills path parameters and returns data, status and headers', async () => {
    server.handle((_request, response) => sendJson(response, 201, { id: 's' }, { 'idempotent-replayed': 'true' }));
    const answer = await client().request('post', '/v1/files/{fileId}/shares', {
      params: { path: { fileId: 'f 1' }, header: { 'Idempotency-Key': 'key-12345' } },
      body: { granteeId: 'g', permission: 'read' },
    });
    expect(answer.status).toBe(201);
    expect(answer.data.id).toBe('s');
    expect(answer.headers.get('idempotent-replayed')).toBe('true');
    expect(server.requests[0]?.url).toBe('/v1/files/f%201/shares');
    expect(server.requests[0]?.headers['idempotency-key']).toBe('key-12345');
  });
});
