import { describe, expect, it } from 'vitest';
import { describeIdempotencyStoreContract } from '../../test/idempotency-store.contract.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { MemoryIdempotencyStore } from './memory-idempotency-store.js';

const opened: IdempotencyStore[] = [];

function open(): MemoryIdempotencyStore {
  const store = new MemoryIdempotencyStore();
  opened.push(store);
  return store;
}

describeIdempotencyStoreContract('in-memory', {
  open: () => Promise.resolve(open()),
  // One process, one map: "instances" share keys only by sharing the store.
  openShared: (count) => {
    const store = open();
    return Promise.resolve(Array.from({ length: count }, () => store));
  },
  cleanup: async () => {
    await Promise.all(opened.map((store) => store.close()));
  },
});

describe('MemoryIdempotencyStore with a manual clock', () => {
  const answer = { status: 202, headers: { 'content-type': 'application/json' }, bodyBase64: Buffer.from('{}').toString('base64') };

  it('ends leases and answers by the injected clock, to the millisecond', async () => {
    let now = 1_800_000_000_000;
    const store = new MemoryIdempotencyStore({ clock: () => now });
    await store.reserve('k', { fingerprint: 'fp', token: 't1' }, 60_000);
    now += 59_999;
    expect((await store.get('k'))?.state).toBe('running');
    expect(await store.complete('k', 't1', answer, 86_400_000)).toBe(true);
    now += 86_399_999;
    expect((await store.get('k'))?.state).toBe('completed');
    now += 1;
    expect(await store.get('k')).toBeUndefined();
  });

  it('drops entries that expired', async () => {
    let now = 1_800_000_000_000;
    const store = new MemoryIdempotencyStore({ clock: () => now, sweepIntervalMs: 10_000 });
    for (let n = 0; n < 100; n++) await store.reserve(`k${n}`, { fingerprint: 'fp', token: 't' }, 1_000);
    now += 60_000;
    await store.get('other');
    // Internal, but the point of the sweep: the map does not keep dead keys.
    expect((store as unknown as { entries: Map<string, unknown> }).entries.size).toBe(0);
  });
});
