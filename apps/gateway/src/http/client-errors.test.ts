import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { answerClientError, headerCountLimit, wellFormedUrlEncoding } from './client-errors.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

function listen(options: { maxHeaderSize?: number; headersTimeout?: number; requestTimeout?: number; connectionsCheckingInterval?: number }, maxHeaders = 5): Promise<number> {
  const app = express();
  app.use(headerCountLimit(maxHeaders));
  app.use(wellFormedUrlEncoding());
  app.all('/', (req, res) => {
    req.resume();
    req.on('end', () => res.status(204).end());
  });
  server = createServer(options, app);
  server.on('clientError', answerClientError);
  return new Promise((resolve) => server?.listen(0, '127.0.0.1', () => resolve((server?.address() as AddressInfo).port)));
}

/** Sends raw bytes and collects everything the server answers until it closes the connection. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(answer));
    socket.write(bytes);
  });
}

const problemOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;

describe('answerClientError', () => {
  it('answers headers over maxHeaderSize with 431 problem+json and closes', async () => {
    const port = await listen({ maxHeaderSize: 1024 });
    const answer = await raw(port, `GET / HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(4096)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(answer).toContain('content-type: application/problem+json');
    expect(problemOf(answer)).toMatchObject({ status: 431, code: 'headers_too_large', type: 'https://coffer.dev/problems/headers-too-large' });
  });

  it('answers headers that never finish with 408 request_timeout', async () => {
    const port = await listen({ headersTimeout: 200, requestTimeout: 400, connectionsCheckingInterval: 50 });
    const answer = await raw(port, 'GET / HTTP/1.1\r\nhost: x\r\nx-slow: ');
    expect(problemOf(answer)).toMatchObject({ status: 408, code: 'request_timeout' });
  });

  it('answers a malformed request line with 400 invalid_argument', async () => {
    const port = await listen({});
    const answer = await raw(port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(problemOf(answer)).toMatchObject({ status: 400, code: 'invalid_argument' });
  });
});

describe('headerCountLimit', () => {
  it('refuses more header lines than allowed with 431 and lets a normal request through', async () => {
    const port = await listen({}, 5);
    const many = Array.from({ length: 10 }, (_, n) => `x-h${n}: v\r\n`).join('');
    const refused = await raw(port, `GET / HTTP/1.1\r\nhost: x\r\n${many}connection: close\r\n\r\n`);
    expect(refused).toMatch(/^HTTP\/1\.1 431 /);
    expect(problemOf(refused)).toMatchObject({ code: 'headers_too_large', detail: 'At most 5 request headers are allowed.' });
    const fine = await raw(port, 'GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    expect(fine).toMatch(/^HTTP\/1\.1 204 /);
  });
});

describe('wellFormedUrlEncoding', () => {
  it.each(['/?name=%ED%A0%80.txt', '/?name=%FF', '/?name=100%', '/%C0%AF'])('refuses %s with 400 invalid_argument', async (path) => {
    const port = await listen({});
    const refused = await raw(port, `GET ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`);
    expect(refused).toMatch(/^HTTP\/1\.1 400 /);
    expect(problemOf(refused.replace(/\r\n[0-9a-f]+\r\n/, '\r\n'))).toMatchObject({ code: 'invalid_argument' });
  });

  it('lets valid UTF-8 encodings through', async () => {
    const port = await listen({});
    const fine = await raw(port, 'GET /?name=caf%C3%A9%20%F0%9F%98%80.txt HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    expect(fine).toMatch(/^HTTP\/1\.1 204 /);
  });
});
