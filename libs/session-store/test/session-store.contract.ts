import { randomBytes } from 'node:crypto';
import { AppError, type ErrorCode } from '@coffer/platform';
import { afterAll, describe, expect, it } from 'vitest';
import type { NewSession, SessionStore, SessionTimeouts } from '../src/index.js';

/**
 * The one contract every {@link SessionStore} meets, run against real Redis
 * (test/redis.test.ts) and the in-memory store (src/memory-session-store.test.ts). Timeouts are
 * real: short TTLs (300-800 ms) and real waiting, with margins of 150 ms or more either side of
 * each deadline so a busy machine does not flip a result.
 */

/** Gives the suite fresh, empty stores and removes what they stored afterwards. */
export interface SessionStoreHarness {
  /** A new store in its own namespace (for Redis: its own key prefix). */
  open(options?: { readonly maxSessionsPerUser?: number }): Promise<SessionStore>;
  /** Closes every store opened and deletes their data. */
  cleanup(): Promise<void>;
}

const LONG: SessionTimeouts = { idleTtlMs: 60_000, absoluteTtlMs: 600_000 };

/** Slack for comparing the store's clock with this process's (same machine for Redis). */
const CLOCK_SLACK_MS = 50;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function randomId(prefix: string): string {
  return `${prefix}-${randomBytes(12).toString('base64url')}`;
}

function newSession(overrides: Partial<NewSession> = {}): NewSession {
  return {
    id: randomId('sid'),
    userId: randomId('user'),
    createdAt: new Date(Date.now() - 5),
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) contract-test',
    ...overrides,
  };
}

async function expectAppError(promise: Promise<unknown>, code: ErrorCode): Promise<AppError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

/** Registers the contract tests for one implementation. */
export function describeSessionStoreContract(name: string, harness: SessionStoreHarness): void {
  describe(`SessionStore contract: ${name}`, () => {
    afterAll(() => harness.cleanup());

    describe('create and read', () => {
      it('creates a session and reads it back with its lifecycle', async () => {
        const store = await harness.open();
        const input = newSession({ familyId: randomId('family') });
        const before = Date.now();
        const created = await store.create(input, LONG);
        const after = Date.now();

        expect(created.evictedSessionIds).toEqual([]);
        const { session } = created;
        expect(session).toMatchObject({
          id: input.id,
          userId: input.userId,
          ip: input.ip,
          userAgent: input.userAgent,
          familyId: input.familyId,
          idleTtlMs: LONG.idleTtlMs,
        });
        expect(session.createdAt).toEqual(input.createdAt);
        const lastSeen = session.lastSeenAt.getTime();
        expect(lastSeen).toBeGreaterThanOrEqual(before - CLOCK_SLACK_MS);
        expect(lastSeen).toBeLessThanOrEqual(after + CLOCK_SLACK_MS);
        expect(session.expiresAt.getTime()).toBe(lastSeen + LONG.idleTtlMs);
        expect(session.absoluteExpiresAt.getTime()).toBe(lastSeen + LONG.absoluteTtlMs);

        expect(await store.get(input.id)).toEqual(session);
        expect(await store.isActive(input.id)).toBe(true);
        expect(await store.listForUser(input.userId)).toEqual([session]);
      });

      it('leaves familyId out when none was given', async () => {
        const store = await harness.open();
        const input = newSession();
        const { session } = await store.create(input, LONG);
        expect(session).not.toHaveProperty('familyId');
        expect(await store.get(input.id)).not.toHaveProperty('familyId');
      });

      it('keeps text fields byte for byte, including separators and non-ASCII', async () => {
        const store = await harness.open();
        const input = newSession({
          id: `sid:with:colons:${randomId('x')}`,
          userId: `user:{tag}:${randomId('u')}`,
          ip: '2001:db8::1',
          userAgent: 'Agent "quoted" \\ backslash ünïcødé 🚀 , = ;',
          familyId: 'family:1',
        });
        const { session } = await store.create(input, LONG);
        expect(await store.get(input.id)).toEqual(session);
        expect(session).toMatchObject({ id: input.id, userId: input.userId, ip: input.ip, userAgent: input.userAgent });
        expect(await store.listForUser(input.userId)).toEqual([session]);
      });

      it('knows nothing about unknown ids', async () => {
        const store = await harness.open();
        const id = randomId('unknown');
        expect(await store.get(id)).toBeUndefined();
        expect(await store.isActive(id)).toBe(false);
        expect(await store.touch(id)).toBeUndefined();
        expect(await store.revoke(id)).toBe(false);
        expect(await store.listForUser(randomId('nobody'))).toEqual([]);
        expect(await store.revokeAllForUser(randomId('nobody'))).toBe(0);
      });

      it('rejects a second live session with the same id as a conflict', async () => {
        const store = await harness.open();
        const input = newSession();
        const { session } = await store.create(input, LONG);
        await expectAppError(store.create({ ...input, userId: randomId('other') }, LONG), 'conflict');
        expect(await store.get(input.id)).toEqual(session);
      });

      it('rejects malformed input with invalid_argument', async () => {
        const store = await harness.open();
        const input = newSession();
        const bad: [NewSession, SessionTimeouts][] = [
          [{ ...input, id: '' }, LONG],
          [{ ...input, userId: '' }, LONG],
          [{ ...input, familyId: '' }, LONG],
          [{ ...input, createdAt: new Date(Number.NaN) }, LONG],
          [input, { idleTtlMs: 0, absoluteTtlMs: 1_000 }],
          [input, { idleTtlMs: -5, absoluteTtlMs: 1_000 }],
          [input, { idleTtlMs: 1.5, absoluteTtlMs: 1_000 }],
          [input, { idleTtlMs: Number.NaN, absoluteTtlMs: 1_000 }],
          [input, { idleTtlMs: 1_000, absoluteTtlMs: 0 }],
          [input, { idleTtlMs: 1_000, absoluteTtlMs: Number.POSITIVE_INFINITY }],
          [input, { idleTtlMs: 1_000, absoluteTtlMs: Number.MAX_SAFE_INTEGER }],
        ];
        for (const [session, timeouts] of bad) {
          await expectAppError(store.create(session, timeouts), 'invalid_argument');
        }
        await expectAppError(store.get(''), 'invalid_argument');
        await expectAppError(store.touch(''), 'invalid_argument');
        await expectAppError(store.isActive(''), 'invalid_argument');
        await expectAppError(store.revoke(''), 'invalid_argument');
        await expectAppError(store.revokeAllForUser(''), 'invalid_argument');
        await expectAppError(store.listForUser(''), 'invalid_argument');
        expect(await store.isActive(input.id)).toBe(false);
      });

      it('lets the id of an expired session be used again', async () => {
        const store = await harness.open();
        const input = newSession();
        await store.create(input, { idleTtlMs: 300, absoluteTtlMs: 60_000 });
        await sleep(500);
        const { session } = await store.create(input, LONG);
        expect(await store.get(input.id)).toEqual(session);
      });
    });

    describe('timeouts (real time)', () => {
      it('ends a session after its idle timeout, and a late touch does not revive it', async () => {
        const store = await harness.open();
        const input = newSession();
        await store.create(input, { idleTtlMs: 400, absoluteTtlMs: 60_000 });
        expect(await store.isActive(input.id)).toBe(true);

        await sleep(650);
        expect(await store.isActive(input.id)).toBe(false);
        expect(await store.get(input.id)).toBeUndefined();
        expect(await store.listForUser(input.userId)).toEqual([]);
        expect(await store.touch(input.id)).toBeUndefined();
        expect(await store.isActive(input.id)).toBe(false);
      });

      it('slides the idle deadline on touch', async () => {
        const store = await harness.open();
        const input = newSession();
        const { session: created } = await store.create(input, { idleTtlMs: 500, absoluteTtlMs: 60_000 });

        await sleep(300);
        const touched = await store.touch(input.id);
        expect(touched).toBeDefined();
        if (touched === undefined) return;
        expect(touched.lastSeenAt.getTime()).toBeGreaterThan(created.lastSeenAt.getTime());
        expect(touched.expiresAt.getTime()).toBe(touched.lastSeenAt.getTime() + 500);
        expect(touched.absoluteExpiresAt).toEqual(created.absoluteExpiresAt);
        expect(touched.createdAt).toEqual(created.createdAt);
        expect(await store.get(input.id)).toEqual(touched);

        await sleep(300); // 600 ms after create, 300 ms after the touch
        expect(await store.isActive(input.id)).toBe(true);

        await sleep(450); // 750 ms after the touch
        expect(await store.isActive(input.id)).toBe(false);
      });

      it('never lets a touch carry a session past its absolute deadline', async () => {
        const store = await harness.open();
        const input = newSession();
        const { session: created } = await store.create(input, { idleTtlMs: 500, absoluteTtlMs: 800 });
        expect(created.expiresAt.getTime()).toBe(created.lastSeenAt.getTime() + 500);

        await sleep(400);
        const touched = await store.touch(input.id);
        expect(touched?.expiresAt).toEqual(created.absoluteExpiresAt);

        await sleep(250); // 650 ms: touched 250 ms ago
        expect((await store.touch(input.id))?.expiresAt).toEqual(created.absoluteExpiresAt);

        await sleep(350); // 1000 ms: last touch 350 ms ago (< idle), but past the absolute 800 ms
        expect(await store.isActive(input.id)).toBe(false);
        expect(await store.touch(input.id)).toBeUndefined();
        expect(await store.listForUser(input.userId)).toEqual([]);
      });

      it('ends a session at its absolute deadline when the idle timeout is longer', async () => {
        const store = await harness.open();
        const input = newSession();
        const { session } = await store.create(input, { idleTtlMs: 60_000, absoluteTtlMs: 500 });
        expect(session.expiresAt).toEqual(session.absoluteExpiresAt);
        expect(await store.isActive(input.id)).toBe(true);

        await sleep(700);
        expect(await store.isActive(input.id)).toBe(false);
        expect(await store.get(input.id)).toBeUndefined();
      });
    });

    describe('revocation', () => {
      it('revokes one session at once, leaving the others', async () => {
        const store = await harness.open();
        const userId = randomId('user');
        const a = newSession({ userId });
        const b = newSession({ userId });
        await store.create(a, LONG);
        await sleep(2);
        const { session: sessionB } = await store.create(b, LONG);

        expect(await store.revoke(a.id)).toBe(true);
        expect(await store.isActive(a.id)).toBe(false);
        expect(await store.get(a.id)).toBeUndefined();
        expect(await store.touch(a.id)).toBeUndefined();
        expect(await store.isActive(a.id)).toBe(false);
        expect(await store.listForUser(userId)).toEqual([sessionB]);
        expect(await store.revoke(a.id)).toBe(false);
      });

      it('revokes every live session of a user and counts them, leaving other users alone', async () => {
        const store = await harness.open();
        const userId = randomId('user');
        const mine = [newSession({ userId }), newSession({ userId }), newSession({ userId })];
        const other = newSession();
        for (const session of [...mine, other]) await store.create(session, LONG);

        expect(await store.revokeAllForUser(userId)).toBe(3);
        for (const session of mine) expect(await store.isActive(session.id)).toBe(false);
        expect(await store.listForUser(userId)).toEqual([]);
        expect(await store.isActive(other.id)).toBe(true);
        expect(await store.revokeAllForUser(userId)).toBe(0);
      });

      it('keeps the excepted session on revoke-all', async () => {
        const store = await harness.open();
        const userId = randomId('user');
        const [a, b, c] = [newSession({ userId }), newSession({ userId }), newSession({ userId })];
        await store.create(a, LONG);
        const { session: kept } = await store.create(b, LONG);
        await store.create(c, LONG);

        expect(await store.revokeAllForUser(userId, { except: b.id })).toBe(2);
        expect(await store.isActive(a.id)).toBe(false);
        expect(await store.isActive(c.id)).toBe(false);
        expect(await store.listForUser(userId)).toEqual([kept]);
        // An except that is not one of the user's sessions changes nothing.
        expect(await store.revokeAllForUser(userId, { except: randomId('none') })).toBe(1);
        expect(await store.isActive(b.id)).toBe(false);
      });

      it('does not count sessions that already expired', async () => {
        const store = await harness.open();
        const userId = randomId('user');
        await store.create(newSession({ userId }), { idleTtlMs: 300, absoluteTtlMs: 60_000 });
        await store.create(newSession({ userId }), LONG);
        await sleep(500);
        expect(await store.revokeAllForUser(userId)).toBe(1);
      });
    });

    describe('listing', () => {
      it('lists live sessions oldest first and drops expired ones', async () => {
        const store = await harness.open();
        const userId = randomId('user');
        const { session: a } = await store.create(newSession({ userId }), LONG);
        await sleep(5);
        const { session: b } = await store.create(newSession({ userId }), { idleTtlMs: 300, absoluteTtlMs: 60_000 });
        await sleep(5);
        const { session: c } = await store.create(newSession({ userId }), LONG);

        expect(await store.listForUser(userId)).toEqual([a, b, c]);
        await sleep(500);
        expect(await store.listForUser(userId)).toEqual([a, c]);
      });
    });

    describe('per-user bound', () => {
      it('evicts the oldest live session when one more is created', async () => {
        const store = await harness.open({ maxSessionsPerUser: 3 });
        const userId = randomId('user');
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) {
          const { session, evictedSessionIds } = await store.create(newSession({ userId }), LONG);
          expect(evictedSessionIds).toEqual([]);
          ids.push(session.id);
          await sleep(3);
        }
        const other = newSession();
        await store.create(other, LONG);

        const fourth = await store.create(newSession({ userId }), LONG);
        expect(fourth.evictedSessionIds).toEqual([ids[0]]);
        expect(await store.isActive(ids[0] ?? '')).toBe(false);
        expect((await store.listForUser(userId)).map((s) => s.id)).toEqual([ids[1], ids[2], fourth.session.id]);
        expect(await store.isActive(other.id)).toBe(true);
      });

      it('does not count expired sessions against the bound', async () => {
        const store = await harness.open({ maxSessionsPerUser: 2 });
        const userId = randomId('user');
        await store.create(newSession({ userId }), { idleTtlMs: 300, absoluteTtlMs: 60_000 });
        const { session: kept } = await store.create(newSession({ userId }), LONG);
        await sleep(500);
        const third = await store.create(newSession({ userId }), LONG);
        expect(third.evictedSessionIds).toEqual([]);
        expect(await store.listForUser(userId)).toEqual([kept, third.session]);
      });

      it('holds the bound under concurrent creates for one user', async () => {
        const store = await harness.open({ maxSessionsPerUser: 5 });
        const userId = randomId('user');
        const inputs = Array.from({ length: 20 }, () => newSession({ userId }));
        const results = await Promise.all(inputs.map((input) => store.create(input, LONG)));

        const listed = (await store.listForUser(userId)).map((s) => s.id);
        const evicted = results.flatMap((result) => result.evictedSessionIds);
        expect(listed).toHaveLength(5);
        expect(evicted).toHaveLength(15);
        expect(new Set([...listed, ...evicted])).toEqual(new Set(inputs.map((input) => input.id)));
        for (const id of evicted) expect(await store.isActive(id)).toBe(false);
      });
    });

    describe('lifecycle', () => {
      it('is ready while open; after close every call fails with unavailable', async () => {
        const store = await harness.open();
        const input = newSession();
        await store.create(input, LONG);
        await expect(store.checkReady()).resolves.toBeUndefined();

        await store.close();
        await store.close();
        const outcomes = await Promise.allSettled([
          store.checkReady(),
          store.create(newSession(), LONG),
          store.get(input.id),
          store.touch(input.id),
          store.isActive(input.id),
          store.revoke(input.id),
          store.revokeAllForUser(input.userId),
          store.listForUser(input.userId),
        ]);
        for (const outcome of outcomes) {
          expect(outcome.status).toBe('rejected');
          const reason: unknown = outcome.status === 'rejected' ? outcome.reason : undefined;
          expect(reason).toBeInstanceOf(AppError);
          expect(reason).toMatchObject({ code: 'unavailable', retryAfterSeconds: expect.any(Number) as unknown });
        }
      });
    });
  });
}
