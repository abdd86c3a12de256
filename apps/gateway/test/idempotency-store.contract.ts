import { randomBytes } from 'node:crypto';
import { AppError } from '@coffer/platform';
import { afterAll, describe, expect, it } from 'vitest';
import type { IdempotencyStore, StoredAnswer } from '../src/idempotency/idempotency-store.js';

/**
 * The one contract every {@link IdempotencyStore} meets, run against the in-memory store
 * (src/idempotency/memory-idempotency-store.test.ts) and real Redis
 * (test/idempotency-store.redis.test.ts). Expiry uses real time: short leases and TTLs, then a
 * wait well past them; nothing asserts that something happens *before* a short deadline.
 */
export interface IdempotencyStoreHarness {
  /** A new store in its own namespace (for Redis: its own key prefix). */
  open(): Promise<IdempotencyStore>;
  /** Handles on one namespace, as separate gateway processes hold them (memory: the same store). */
  openShared(count: number): Promise<IdempotencyStore[]>;
  /** Closes every store opened and deletes what they stored. */
  cleanup(): Promise<void>;
}

const HOUR = 3_600_000;

const created: StoredAnswer = {
  status: 201,
  headers: { 'content-type': 'application/json; charset=utf-8', location: '/v1/files/f1', etag: '"abc"' },
  bodyBase64: Buffer.from('{"id":"f1","name":"notes.txt"}').toString('base64'),
};

function key(name: string): string {
  return `${name}:${randomBytes(9).toString('base64url')}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Registers the contract tests for one implementation. */
export function describeIdempotencyStoreContract(name: string, harness: IdempotencyStoreHarness): void {
  describe(`IdempotencyStore contract: ${name}`, () => {
    afterAll(() => harness.cleanup());

    it('reserves a free key once; later reservations see the running request', async () => {
      const store = await harness.open();
      const k = key('reserve');
      expect(await store.get(k)).toBeUndefined();
      expect(await store.reserve(k, { fingerprint: 'fp-1', token: 't1' }, HOUR)).toEqual({ reserved: true });
      expect(await store.reserve(k, { fingerprint: 'fp-2', token: 't2' }, HOUR)).toEqual({ reserved: false, record: { state: 'running', fingerprint: 'fp-1', token: 't1' } });
      expect(await store.get(k)).toEqual({ state: 'running', fingerprint: 'fp-1', token: 't1' });
    });

    it('completes the reservation with the answer, which later reservations get back exactly', async () => {
      const store = await harness.open();
      const k = key('complete');
      await store.reserve(k, { fingerprint: 'fp', token: 't1' }, HOUR);
      expect(await store.complete(k, 't1', created, HOUR)).toBe(true);
      const expected = { state: 'completed', fingerprint: 'fp', answer: created };
      expect(await store.get(k)).toEqual(expected);
      expect(await store.reserve(k, { fingerprint: 'fp', token: 't2' }, HOUR)).toEqual({ reserved: false, record: expected });
      // Completing twice, or releasing a completed key, changes nothing.
      expect(await store.complete(k, 't1', { ...created, status: 200 }, HOUR)).toBe(false);
      await store.release(k, 't1');
      expect(await store.get(k)).toEqual(expected);
    });

    it('keeps any bytes of a body exactly', async () => {
      const store = await harness.open();
      const k = key('bytes');
      const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x22, 0x5c, 0x0a, ...Buffer.from('ünïcödé "quoted" \\ slash')]);
      await store.reserve(k, { fingerprint: 'fp "with" quotes \\', token: 't1' }, HOUR);
      expect(await store.complete(k, 't1', { status: 200, headers: {}, bodyBase64: bytes.toString('base64') }, HOUR)).toBe(true);
      const record = await store.get(k);
      expect(record?.fingerprint).toBe('fp "with" quotes \\');
      expect(record?.state === 'completed' ? Buffer.from(record.answer.bodyBase64, 'base64') : undefined).toEqual(bytes);
    });

    it('refuses to complete or release with another token (a request that outlived its lease)', async () => {
      const store = await harness.open();
      const k = key('token');
      await store.reserve(k, { fingerprint: 'fp', token: 'mine' }, HOUR);
      expect(await store.complete(k, 'stale', created, HOUR)).toBe(false);
      await store.release(k, 'stale');
      expect(await store.get(k)).toEqual({ state: 'running', fingerprint: 'fp', token: 'mine' });
      expect(await store.complete(key('never-reserved'), 'mine', created, HOUR)).toBe(false);
      await expect(store.release(key('never-reserved'), 'mine')).resolves.toBeUndefined();
    });

    it('release frees the key, so the request may run again', async () => {
      const store = await harness.open();
      const k = key('release');
      await store.reserve(k, { fingerprint: 'fp', token: 't1' }, HOUR);
      await store.release(k, 't1');
      expect(await store.get(k)).toBeUndefined();
      expect(await store.reserve(k, { fingerprint: 'fp', token: 't2' }, HOUR)).toEqual({ reserved: true });
    });

    it('keeps keys apart, including keys that share a prefix', async () => {
      const store = await harness.open();
      const k = key('apart');
      await store.reserve(k, { fingerprint: 'a', token: 't' }, HOUR);
      expect(await store.reserve(`${k}x`, { fingerprint: 'b', token: 't' }, HOUR)).toEqual({ reserved: true });
      expect(await store.reserve(k.slice(0, -1), { fingerprint: 'c', token: 't' }, HOUR)).toEqual({ reserved: true });
    });

    it('lets exactly one of many concurrent reservations on several handles win', async () => {
      const handles = await harness.openShared(4);
      const k = key('race');
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, (_, n) => handles[n % handles.length]?.reserve(k, { fingerprint: `fp-${n}`, token: `t-${n}` }, HOUR) ?? Promise.reject(new Error('no handle'))),
      );
      expect(outcomes.filter((outcome) => outcome.reserved)).toHaveLength(1);
      const winner = await handles[0]?.get(k);
      for (const outcome of outcomes) if (!outcome.reserved) expect(outcome.record).toEqual(winner);
    });

    it('a completed answer is visible on every handle', async () => {
      const [a, b] = await harness.openShared(2);
      if (!a || !b) throw new Error('no handles');
      const k = key('shared');
      await a.reserve(k, { fingerprint: 'fp', token: 't1' }, HOUR);
      expect(await b.complete(k, 't1', created, HOUR)).toBe(true);
      expect(await a.get(k)).toEqual({ state: 'completed', fingerprint: 'fp', answer: created });
    });

    describe('expiry (real time)', () => {
      it('frees a reservation whose lease ended; the late request can no longer complete it', async () => {
        const store = await harness.open();
        const k = key('lease');
        await store.reserve(k, { fingerprint: 'fp', token: 'late' }, 100);
        await sleep(400);
        expect(await store.get(k)).toBeUndefined();
        expect(await store.reserve(k, { fingerprint: 'fp', token: 'next' }, HOUR)).toEqual({ reserved: true });
        expect(await store.complete(k, 'late', created, HOUR)).toBe(false);
        expect(await store.get(k)).toEqual({ state: 'running', fingerprint: 'fp', token: 'next' });
      });

      it('forgets an answer after its time to live, not at the end of the lease', async () => {
        const store = await harness.open();
        const k = key('ttl');
        const kept = key('kept');
        await store.reserve(k, { fingerprint: 'fp', token: 't1' }, HOUR);
        await store.complete(k, 't1', created, 150);
        await store.reserve(kept, { fingerprint: 'fp', token: 't1' }, 100);
        await store.complete(kept, 't1', created, HOUR);
        await sleep(450);
        expect(await store.get(k)).toBeUndefined();
        expect(await store.get(kept)).toEqual({ state: 'completed', fingerprint: 'fp', answer: created });
      });
    });

    it('rejects a lease or time to live under 1 ms with invalid_argument', async () => {
      const store = await harness.open();
      await expect(store.reserve(key('bad'), { fingerprint: 'fp', token: 't' }, 0)).rejects.toMatchObject({ code: 'invalid_argument' });
      const k = key('bad-ttl');
      await store.reserve(k, { fingerprint: 'fp', token: 't' }, HOUR);
      await expect(store.complete(k, 't', created, -5)).rejects.toMatchObject({ code: 'invalid_argument' });
    });

    it('is ready while open; after close every call fails with unavailable', async () => {
      const store = await harness.open();
      await expect(store.checkReady()).resolves.toBeUndefined();
      await store.close();
      await store.close();
      const outcomes = await Promise.allSettled([
        store.checkReady(),
        store.reserve(key('closed'), { fingerprint: 'fp', token: 't' }, HOUR),
        store.complete(key('closed'), 't', created, HOUR),
        store.release(key('closed'), 't'),
        store.get(key('closed')),
      ]);
      for (const outcome of outcomes) {
        expect(outcome.status).toBe('rejected');
        const reason: unknown = outcome.status === 'rejected' ? outcome.reason : undefined;
        expect(reason).toBeInstanceOf(AppError);
        expect(reason).toMatchObject({ code: 'unavailable' });
      }
    });
  });
}
