import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { Response } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@coffer/platform';
import { writeStreamedBody } from './streamed-body.js';

describe('writeStreamedBody', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('leaves no drain or close listeners behind after many backpressure pauses', async () => {
    const chunk = new Uint8Array(1024 * 1024);
    const chunks = (): AsyncIterable<Uint8Array> => Readable.from(Array.from({ length: 64 }, () => chunk));
    const listeners = new Promise<{ close: number; drain: number; before: number }>((resolve) => {
      server = createServer((_req, res) => {
        const before = res.listenerCount('close');
        void writeStreamedBody(res as unknown as Response, chunks(), { logger: createLogger({ service: 'test', level: 'silent' }), message: 'failed' }).then(() =>
          resolve({ before, close: res.listenerCount('close'), drain: res.listenerCount('drain') }),
        );
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server?.address() as AddressInfo;
    let received = 0;
    await new Promise<void>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/' }, (res) => {
        // A slow reader, so the writer has to wait for 'drain' many times.
        res.on('data', (data: Buffer) => {
          received += data.length;
          res.pause();
          setTimeout(() => res.resume(), 1);
        });
        res.on('end', () => resolve());
        res.on('error', reject);
      })
        .on('error', reject)
        .end();
    });
    expect(received).toBe(64 * chunk.byteLength);
    const counts = await listeners;
    expect(counts.drain).toBe(0);
    expect(counts.close).toBeLessThanOrEqual(counts.before);
  });
});
