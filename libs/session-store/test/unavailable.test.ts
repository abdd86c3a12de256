import { createServer } from 'node:net';
import { AppError } from '@coffer/platform';
import { describe, expect, it } from 'vitest';
import { createSessionStoreFromUrl, type SessionStore } from '../src/index.js';

/** A loopback port nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** Runs a call and reports how it ended and how long it took. */
async function timed(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await call();
    return { error: undefined, ms: performance.now() - started };
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
}

const session = {
  id: 'sid-unavailable',
  userId: 'user-unavailable',
  createdAt: new Date(),
  ip: '127.0.0.1',
  userAgent: 'unavailable-test',
};

describe('RedisSessionStore when Redis is down', () => {
  it('fails every call fast with AppError unavailable, and readiness fails', async () => {
    const connectionErrors: Error[] = [];
    const store: SessionStore = createSessionStoreFromUrl(`redis://127.0.0.1:${await closedPort()}/0`, {
      onConnectionError: (error) => connectionErrors.push(error),
    });
    const calls: [string, () => Promise<unknown>][] = [
      ['checkReady', () => store.checkReady()],
      ['create', () => store.create(session, { idleTtlMs: 1_000, absoluteTtlMs: 2_000 })],
      ['get', () => store.get(session.id)],
      ['touch', () => store.touch(session.id)],
      ['isActive', () => store.isActive(session.id)],
      ['revoke', () => store.revoke(session.id)],
      ['revokeAllForUser', () => store.revokeAllForUser(session.userId)],
      ['listForUser', () => store.listForUser(session.userId)],
    ];
    try {
      for (const [name, call] of calls) {
        const { error, ms } = await timed(call);
        expect(error, name).toBeInstanceOf(AppError);
        expect(error, name).toMatchObject({ code: 'unavailable', retryAfterSeconds: 1 });
        // Never the internal message (address, errno) in the client-facing detail.
        expect((error as AppError).detail, name).toBe('The session store is unavailable.');
        expect(ms, name).toBeLessThan(1_500);
      }
      // Calls in parallel, while the client is known to be down, fail without queueing.
      const parallel = await Promise.allSettled(calls.map(([, call]) => call()));
      expect(parallel.every((outcome) => outcome.status === 'rejected')).toBe(true);
      expect(connectionErrors.length).toBeGreaterThan(0);
      expect(connectionErrors[0]?.message).toMatch(/ECONNREFUSED/);
    } finally {
      await store.close();
    }
  });

  it('closes a store that never connected without waiting', async () => {
    const store = createSessionStoreFromUrl(`redis://127.0.0.1:${await closedPort()}`);
    const { error, ms } = await timed(() => store.close());
    expect(error).toBeUndefined();
    expect(ms).toBeLessThan(200);
  });
});
