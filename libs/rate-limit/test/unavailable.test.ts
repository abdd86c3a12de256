import { createServer } from 'node:net';
import { AppError } from '@coffer/platform';
import { describe, expect, it } from 'vitest';
import { createRateLimiterFromUrl } from '../src/index.js';

/** A loopback port nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

async function timed(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await call();
    return { error: undefined, ms: performance.now() - started };
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
}

describe('RedisRateLimiter when Redis is down', () => {
  it('fails every call fast with AppError unavailable, and readiness fails', async () => {
    const connectionErrors: Error[] = [];
    const limiter = createRateLimiterFromUrl(`redis://127.0.0.1:${await closedPort()}/0`, {
      onConnectionError: (error) => connectionErrors.push(error),
    });
    const calls: [string, () => Promise<unknown>][] = [
      ['consume', () => limiter.consume('k', { limit: 1, windowMs: 1_000 })],
      ['checkReady', () => limiter.checkReady()],
      ['reset', () => limiter.reset('k')],
      ['consume again', () => limiter.consume('k', { limit: 1, windowMs: 1_000 })],
    ];
    try {
      for (const [name, call] of calls) {
        const { error, ms } = await timed(call);
        expect(error, name).toBeInstanceOf(AppError);
        expect(error, name).toMatchObject({ code: 'unavailable', retryAfterSeconds: 1, detail: 'The rate limiter is unavailable.' });
        expect(ms, name).toBeLessThan(1_500);
      }
      const burst = await Promise.allSettled(
        Array.from({ length: 100 }, () => limiter.consume('k', { limit: 1, windowMs: 1_000 })),
      );
      expect(burst.every((outcome) => outcome.status === 'rejected')).toBe(true);
      expect(connectionErrors[0]?.message).toMatch(/ECONNREFUSED/);
    } finally {
      await limiter.close();
    }
  });
});
