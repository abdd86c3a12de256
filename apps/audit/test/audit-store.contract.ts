import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH, type AuditRow } from '../src/chain/audit-record.js';
import { accessDenied, chainEvents, fileUploaded, loginFailed, MemoryCheckpointStore, testKeyRing } from '../src/chain/audit-test.fixture.js';
import { verifyChain } from '../src/chain/verify-chain.js';
import type { AuditStore } from '../src/store/audit-store.js';

/** Direct changes to stored rows, as someone with write access to the store could make them. */
export interface StoreTamperer {
  /** Changes a row's data in place. */
  editData(seq: number, dataJson: string): Promise<void>;
  /** Removes a row. */
  deleteRow(seq: number): Promise<void>;
  /** Swaps the positions (seq) of two rows. */
  swapSeq(a: number, b: number): Promise<void>;
  /** Removes every row from `seq` on. */
  truncateFrom(seq: number): Promise<void>;
  /** Rewrites a row with new content and hash (a forger who recomputes hashes). */
  replaceRow(row: AuditRow): Promise<void>;
  /** Empties the table between tests. */
  clear(): Promise<void>;
}

/** A store under test and the door to tamper with it. */
export interface StoreUnderTest {
  readonly store: AuditStore;
  readonly tamper: StoreTamperer;
  close(): Promise<void>;
}

/**
 * The behaviour every {@link AuditStore} must show. Registers its tests in the calling
 * `describe`; `open` gives a store on an empty database, which the suite migrates.
 */
export function auditStoreContract(open: () => Promise<StoreUnderTest>): void {
  let subject: StoreUnderTest | undefined;
  const store = (): AuditStore => {
    if (subject === undefined) throw new Error('the store did not open');
    return subject.store;
  };
  const tamper = (): StoreTamperer => {
    if (subject === undefined) throw new Error('the store did not open');
    return subject.tamper;
  };

  beforeAll(async () => {
    subject = await open();
    await subject.store.migrate();
  });

  afterAll(async () => {
    await subject?.close();
  });

  beforeEach(async () => {
    await tamper().clear();
  });

  const admin = { requesterId: 'admin', requesterAdmin: true };

  describe('migrations and the chain head', () => {
    it('are idempotent, and an empty store has the genesis head', async () => {
      expect(await store().migrate()).toEqual([]);
      expect(await store().chainHead()).toEqual({ seq: 0, hash: GENESIS_HASH });
    });

    it('reports the last row as the head and the ids it holds', async () => {
      const rows = chainEvents([fileUploaded(), fileUploaded(), loginFailed()]);
      await store().append(rows);
      const last = rows[2];
      expect(await store().chainHead()).toEqual({ seq: 3, hash: last?.hash });
      const ids = await store().existingIds([rows[0]?.id ?? '', 'not-there', "it's \\ odd"]);
      expect([...ids]).toEqual([rows[0]?.id]);
    });
  });

  describe('idempotency by event id', () => {
    it('shows one row when the same rows are written twice', async () => {
      const rows = chainEvents([fileUploaded(), fileUploaded()]);
      await store().append(rows);
      await store().append(rows);
      const found = await store().query(admin, { limit: 10 });
      expect(found.map((row) => row.seq)).toEqual([2, 1]);
      expect(await store().scanChain(0, 10)).toHaveLength(2);
    });
  });

  describe('queries', () => {
    it('round-trip every column', async () => {
      const event = fileUploaded({ time: new Date('2026-03-04T05:06:07.891Z') });
      const [row] = chainEvents([event]);
      if (row === undefined) throw new Error('no row');
      await store().append([row]);
      const [found] = await store().query(admin, { limit: 1 });
      expect(found).toEqual(row);
    });

    it('filter by actor, subject, action, outcome and time, newest first', async () => {
      const alice = randomUUID();
      const bob = randomUUID();
      const file = randomUUID();
      const t0 = Date.parse('2026-01-01T00:00:00Z');
      const events = [
        fileUploaded({ actorId: alice, ownerId: alice, fileId: file, time: new Date(t0) }),
        fileUploaded({ actorId: bob, ownerId: bob, time: new Date(t0 + 1_000) }),
        accessDenied(bob, file, alice),
        loginFailed(),
      ];
      await store().append(chainEvents(events));
      const seqs = async (query: Parameters<AuditStore['query']>[0]) => (await store().query(query, { limit: 50 })).map((row) => row.seq);
      expect(await seqs(admin)).toEqual([4, 3, 2, 1]);
      expect(await seqs({ ...admin, actorId: bob })).toEqual([3, 2]);
      expect(await seqs({ ...admin, subject: file })).toEqual([3, 1]);
      expect(await seqs({ ...admin, action: 'file.uploaded' })).toEqual([2, 1]);
      expect(await seqs({ ...admin, outcome: 'denied' })).toEqual([3]);
      expect(await seqs({ ...admin, outcome: 'failure' })).toEqual([4]);
      expect(await seqs({ ...admin, fromMs: t0, toMs: t0 + 1_000 })).toEqual([1]);
      expect(await seqs({ ...admin, fromMs: t0 + 1_000, toMs: t0 + 2_000 })).toEqual([2]);
    });

    it('let a non-admin see only rows they acted in, own or are the subject of', async () => {
      const alice = randomUUID();
      const bob = randomUUID();
      const file = randomUUID();
      await store().append(
        chainEvents([
          fileUploaded({ actorId: alice, ownerId: alice, fileId: file }),
          fileUploaded({ actorId: bob, ownerId: bob }),
          accessDenied(bob, file, alice),
          loginFailed(alice),
          loginFailed(),
        ]),
      );
      const seqs = async (me: string) => (await store().query({ requesterId: me, requesterAdmin: false }, { limit: 50 })).map((row) => row.seq);
      expect(await seqs(alice)).toEqual([4, 3, 1]);
      expect(await seqs(bob)).toEqual([3, 2]);
      expect(await seqs(randomUUID())).toEqual([]);
    });

    it('page with a keyset (beforeSeq) without skipping or repeating rows', async () => {
      await store().append(chainEvents(Array.from({ length: 7 }, () => fileUploaded())));
      const first = await store().query(admin, { limit: 3 });
      const second = await store().query(admin, { beforeSeq: first.at(-1)?.seq ?? 0, limit: 3 });
      const third = await store().query(admin, { beforeSeq: second.at(-1)?.seq ?? 0, limit: 3 });
      expect([...first, ...second, ...third].map((row) => row.seq)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    });

    it('treat quotes and backslashes in filters as data, not SQL', async () => {
      const odd = "o'brien\\' OR 1=1 --";
      await store().append(chainEvents([fileUploaded({ name: odd }), fileUploaded()]));
      expect(await store().query({ ...admin, actorId: odd }, { limit: 10 })).toEqual([]);
      expect(await store().query({ requesterId: odd, requesterAdmin: false }, { limit: 10 })).toEqual([]);
      const [row] = await store().query({ ...admin }, { limit: 1, beforeSeq: 2 });
      expect(JSON.parse(row?.dataJson ?? '{}')).toMatchObject({ name: odd });
    });
  });

  describe('verifyChain on this store', () => {
    const keys = testKeyRing();
    let checkpoints: MemoryCheckpointStore;
    let rows: AuditRow[];

    beforeEach(async () => {
      checkpoints = new MemoryCheckpointStore();
      rows = chainEvents(Array.from({ length: 10 }, () => fileUploaded()));
      await store().append(rows.slice(0, 6));
      await store().append(rows.slice(6));
      for (const index of [4, 9]) {
        const row = rows[index];
        if (row !== undefined) await checkpoints.sign(keys, row);
      }
    });

    const verify = () => verifyChain(store(), checkpoints, keys, { pageSize: 3 });

    it('passes an untampered chain', async () => {
      expect(await verify()).toEqual({ ok: true, rowsChecked: 10, checkpointsChecked: 2, problems: [] });
    });

    it('detects an edited row', async () => {
      await tamper().editData(3, '{"name":"innocent.txt"}');
      const result = await verify();
      expect(result.ok).toBe(false);
      expect(result.problems).toEqual(['seq 3: hash mismatch (row edited or moved)']);
    });

    it('detects a deleted row', async () => {
      await tamper().deleteRow(7);
      const result = await verify();
      expect(result.ok).toBe(false);
      expect(result.problems).toContain('seq 7: missing (row deleted)');
    });

    it('detects reordered rows', async () => {
      await tamper().swapSeq(2, 3);
      const result = await verify();
      expect(result.ok).toBe(false);
      expect(result.problems).toEqual([
        'seq 2: hash mismatch (row edited or moved)',
        'seq 3: hash mismatch (row edited or moved)',
        'seq 4: prev_hash does not match the hash of seq 3 (rows reordered or replaced)',
      ]);
    });

    it('detects truncation behind the last checkpoint', async () => {
      await tamper().truncateFrom(9);
      const result = await verify();
      expect(result.ok).toBe(false);
      expect(result.problems).toEqual(['checkpoint at seq 10: the chain ends at seq 8 (rows truncated)']);
    });

    it('detects a forged row whose hash was recomputed (the next link and the checkpoint break)', async () => {
      const original = rows[1];
      if (original === undefined) throw new Error('no row');
      const [forged] = chainEvents([fileUploaded({ id: original.id })], { seq: 1, hash: original.prevHash });
      if (forged === undefined) throw new Error('no row');
      await tamper().replaceRow(forged);
      const result = await verify();
      expect(result.ok).toBe(false);
      expect(result.problems).toContain('seq 3: prev_hash does not match the hash of seq 2 (rows reordered or replaced)');
    });
  });
}
