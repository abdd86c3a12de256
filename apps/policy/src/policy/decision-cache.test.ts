import { describe, expect, it } from 'vitest';
import { DecisionCache } from './decision-cache.js';
import type { PolicyDecision } from './policy-engine.js';

const allow: PolicyDecision = { effect: 'allow', reason: 'owner', reasonKind: 'owner', changesAtMs: undefined };

function cacheAt(options: { maxEntries?: number; ttlMs?: number } = {}) {
  let now = 1_000_000;
  const cache = new DecisionCache({ maxEntries: options.maxEntries ?? 3, ttlMs: options.ttlMs ?? 1_000, now: () => now });
  return { cache, advance: (ms: number) => (now += ms), now: () => now };
}

describe('DecisionCache', () => {
  it('serves an entry until its TTL runs out', () => {
    const { cache, advance } = cacheAt();
    cache.set('k', allow, cache.generation);
    advance(999);
    expect(cache.get('k')).toBe(allow);
    advance(1);
    expect(cache.get('k')).toBeUndefined();
  });

  it('never keeps an entry past the moment the decision changes by itself', () => {
    const { cache, advance, now } = cacheAt();
    cache.set('k', { ...allow, changesAtMs: now() + 100 }, cache.generation);
    advance(99);
    expect(cache.get('k')).toBeDefined();
    advance(1);
    expect(cache.get('k')).toBeUndefined();
  });

  it('evicts the least recently used entry beyond maxEntries', () => {
    const { cache } = cacheAt({ maxEntries: 2 });
    cache.set('a', allow, cache.generation);
    cache.set('b', allow, cache.generation);
    cache.get('a');
    cache.set('c', allow, cache.generation);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(allow);
    expect(cache.get('c')).toBe(allow);
  });

  it('drops everything on invalidateAll, and refuses a decision computed before the change', () => {
    const { cache } = cacheAt();
    const before = cache.generation;
    cache.set('a', allow, before);
    cache.invalidateAll();
    expect(cache.get('a')).toBeUndefined();
    cache.set('b', allow, before);
    expect(cache.get('b')).toBeUndefined();
  });

  it('caches nothing with maxEntries 0 or ttl 0, and refuses a TTL above 1 s', () => {
    for (const options of [{ maxEntries: 0 }, { ttlMs: 0 }]) {
      const { cache } = cacheAt(options);
      cache.set('a', allow, cache.generation);
      expect(cache.get('a')).toBeUndefined();
    }
    expect(() => cacheAt({ ttlMs: 1_001 })).toThrow(RangeError);
  });

  it('keys keep the fields apart (ids are UUIDs and folders hold no newline, the separator)', () => {
    const parts = { actorId: 'a', action: 'file:read', resource: 'file/x', ownerId: 'o', folder: '/f' };
    const keys = new Set([parts, { ...parts, ownerId: '' }, { ...parts, folder: '' }, { ...parts, actorId: 'o', ownerId: 'a' }].map((part) => DecisionCache.key(part)));
    expect(keys.size).toBe(4);
  });
});
