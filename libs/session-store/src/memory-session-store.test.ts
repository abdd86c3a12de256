import { describe, expect, it } from 'vitest';
import { describeSessionStoreContract } from '../test/session-store.contract.js';
import { MemorySessionStore } from './memory-session-store.js';
import type { NewSession, SessionStore } from './session-store.js';

const opened: SessionStore[] = [];

describeSessionStoreContract('in-memory', {
  open: (options = {}) => {
    const store = new MemorySessionStore(options);
    opened.push(store);
    return Promise.resolve(store);
  },
  cleanup: async () => {
    await Promise.all(opened.map((store) => store.close()));
  },
});

/** A clock the test moves by hand, for exact deadlines. */
function manualClock(start = 1_800_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}

function session(id: string, userId = 'user-1'): NewSession {
  return { id, userId, createdAt: new Date(1_799_999_999_000), ip: '198.51.100.1', userAgent: 'ua' };
}

describe('MemorySessionStore with a manual clock', () => {
  it('is live until the idle deadline and gone at it', async () => {
    const clock = manualClock();
    const store = new MemorySessionStore({ clock: clock.now });
    const { session: created } = await store.create(session('s1'), { idleTtlMs: 1_000, absoluteTtlMs: 10_000 });
    expect(created.expiresAt.getTime()).toBe(clock.now() + 1_000);

    clock.advance(999);
    expect(await store.isActive('s1')).toBe(true);
    clock.advance(1);
    expect(await store.isActive('s1')).toBe(false);
  });

  it('caps a touch at the absolute deadline to the millisecond', async () => {
    const clock = manualClock();
    const start = clock.now();
    const store = new MemorySessionStore({ clock: clock.now });
    await store.create(session('s1'), { idleTtlMs: 1_000, absoluteTtlMs: 2_500 });

    clock.advance(900);
    expect((await store.touch('s1'))?.expiresAt.getTime()).toBe(start + 1_900);
    clock.advance(900);
    expect((await store.touch('s1'))?.expiresAt.getTime()).toBe(start + 2_500);
    clock.advance(699);
    expect((await store.touch('s1'))?.lastSeenAt.getTime()).toBe(start + 2_499);
    clock.advance(1);
    expect(await store.touch('s1')).toBeUndefined();
    expect(await store.get('s1')).toBeUndefined();
  });

  it('evicts by creation time, ties broken by id bytes as the Redis index does', async () => {
    const clock = manualClock();
    const store = new MemorySessionStore({ clock: clock.now, maxSessionsPerUser: 2 });
    await store.create(session('b'), { idleTtlMs: 10_000, absoluteTtlMs: 10_000 });
    await store.create(session('a'), { idleTtlMs: 10_000, absoluteTtlMs: 10_000 });
    expect((await store.listForUser('user-1')).map((s) => s.id)).toEqual(['a', 'b']);

    clock.advance(1);
    const third = await store.create(session('c'), { idleTtlMs: 10_000, absoluteTtlMs: 10_000 });
    expect(third.evictedSessionIds).toEqual(['a']);
  });

  it('hands out copies, so callers cannot change stored sessions', async () => {
    const store = new MemorySessionStore();
    const input = session('s1');
    const { session: created } = await store.create(input, { idleTtlMs: 10_000, absoluteTtlMs: 10_000 });
    input.createdAt.setTime(0);
    created.lastSeenAt.setTime(0);
    const again = await store.get('s1');
    expect(again?.createdAt.getTime()).toBe(1_799_999_999_000);
    expect(again?.lastSeenAt.getTime()).not.toBe(0);
  });

  it('rejects a bad bound at construction', () => {
    expect(() => new MemorySessionStore({ maxSessionsPerUser: 0 })).toThrow(/maxSessionsPerUser/);
  });
});
