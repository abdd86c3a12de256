import { createDatabase, type Database } from '@coffer/db';
import { EmbeddedEventBus, platformEventSchemaRegistry, topicForEventType, type EventBus } from '@coffer/events';
import { AppError, createLogger } from '@coffer/platform';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileUploaded, loginFailed, MemoryCheckpointStore, testKeyRing } from '../chain/audit-test.fixture.js';
import { verifyChain } from '../chain/verify-chain.js';
import { EmbeddedAuditStore } from '../store/embedded-audit-store.js';
import type { AuditRow } from '../chain/audit-record.js';
import type { AuditStore } from '../store/audit-store.js';
import { AuditIngestor, allDomainTopics, type AuditIngestorOptions } from './audit-ingestor.js';

const logger = createLogger({ service: 'audit-test', level: 'silent' });

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** `bus`, except that subscribe is refused as Kafka refuses it while down, as long as `refuse()` says so. */
function busRefusing(bus: EventBus, refuse: () => boolean): EventBus {
  return {
    topicNamespace: bus.topicNamespace,
    publish: (events) => bus.publish(events),
    close: () => bus.close(),
    subscribe: (options) => (refuse() ? Promise.reject(new AppError('unavailable', { detail: 'The event bus is unavailable.' })) : bus.subscribe(options)),
  };
}

describe('AuditIngestor (embedded bus, embedded store)', () => {
  let db: Database;
  let bus: EmbeddedEventBus;
  let store: EmbeddedAuditStore;
  let checkpoints: MemoryCheckpointStore;
  const keys = testKeyRing();
  const batches: number[] = [];

  const ingestor = (overrides: Partial<AuditIngestorOptions> = {}) =>
    new AuditIngestor({
      bus,
      store,
      checkpoints,
      keys,
      logger,
      batchSize: 50,
      maxWaitMs: 20,
      checkpointEvery: 10,
      consumers: 4,
      metrics: { batchWritten: (_seconds, rows) => batches.push(rows), ingested: () => undefined, chainLength: () => undefined },
      ...overrides,
    });

  const all = async (): Promise<AuditRow[]> => store.query({ requesterId: 'admin', requesterAdmin: true }, { limit: 10_000 });

  beforeEach(async () => {
    db = await createDatabase('pglite://memory');
    store = new EmbeddedAuditStore(db);
    await store.migrate();
    bus = new EmbeddedEventBus({ registry: platformEventSchemaRegistry() });
    checkpoints = new MemoryCheckpointStore();
    batches.length = 0;
  });

  afterEach(async () => {
    await bus.close();
    await db.close();
  });

  it('consumes every domain topic of the contracts', () => {
    expect(allDomainTopics()).toEqual(expect.arrayContaining(['coffer.auth.v1', 'coffer.file.v1', 'coffer.user.v1', 'coffer.access.v1', 'coffer.integrity.v1']));
  });

  it('chains every event once, in per-key order, in batches, and checkpoints', async () => {
    const running = ingestor();
    await running.start();
    const keysInUse = Array.from({ length: 5 }, () => crypto.randomUUID());
    const events = Array.from({ length: 60 }, (_, i) => fileUploaded({ fileId: keysInUse[i % 5], name: `n${i}` }));
    await bus.publish(events);
    await bus.publish([events[3], events[7]].filter((event) => event !== undefined)); // duplicates
    await waitFor(async () => (await all()).length === 60);
    await running.stop();
    const rows = await all();
    expect(new Set(rows.map((row) => row.id)).size).toBe(60);
    expect(rows.map((row) => row.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const seqOf = new Map(rows.map((row) => [row.id, row.seq]));
    for (const key of keysInUse) {
      const order = events.filter((event) => event.subject === key).map((event) => seqOf.get(event.id) ?? 0);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    expect(Math.max(...batches)).toBeGreaterThan(1);
    expect(checkpoints.items.at(-1)?.seq).toBe(60);
    expect(await verifyChain(store, checkpoints, keys)).toMatchObject({ ok: true, rowsChecked: 60 });
  });

  it('waits for a bus that does not answer instead of failing, and consumes once it does', async () => {
    // The bus refuses the first three subscriptions, as Kafka does while it is down.
    let refusals = 3;
    const flaky = busRefusing(bus, () => refusals-- > 0);
    const running = ingestor({ bus: flaky, consumers: 1 });
    const started = running.start();
    expect(running.subscribed).toBe(false);
    await started;
    expect(running.subscribed).toBe(true);
    expect(refusals).toBe(-1);
    await bus.publish([fileUploaded({ name: 'after the outage' })]);
    await waitFor(async () => (await all()).length === 1);
    await running.stop();
  }, 30_000);

  it('waits for a store that does not answer at start-up instead of failing', async () => {
    let refusals = 2;
    // The real store, except that its first two chainHead calls fail.
    const flaky = new Proxy(store, {
      get: (target, property, receiver) => {
        if (property === 'chainHead') return () => (refusals-- > 0 ? Promise.reject(new Error('store down')) : target.chainHead());
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const running = ingestor({ store: flaky, consumers: 1, startRetryBaseMs: 10 });
    await running.start();
    expect(refusals).toBe(-1);
    expect(running.head).toEqual({ seq: 0, hash: '0'.repeat(64) });
    await bus.publish([fileUploaded({ name: 'stored after the store came back' })]);
    await waitFor(async () => (await all()).length === 1);
    await running.stop();
  }, 30_000);

  it('stops waiting for the bus when stopped during start-up', async () => {
    const dead = busRefusing(bus, () => true);
    const running = ingestor({ bus: dead, consumers: 1 });
    const started = running.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await running.stop();
    await expect(started).rejects.toThrow();
    expect(running.stopping).toBe(true);
    expect(running.subscribed).toBe(false);
  });

  it('continues the chain after a restart and never gives a redelivered event a second seq', async () => {
    const first = ingestor();
    await first.start();
    const event = loginFailed();
    await bus.publish([event]);
    await waitFor(async () => (await all()).length === 1);
    await first.stop();
    const second = ingestor();
    await second.start();
    await bus.publish([event, fileUploaded()]);
    await waitFor(async () => (await all()).length === 2);
    await second.stop();
    const rows = await all();
    expect(rows.map((row) => [row.seq, row.outcome])).toEqual([
      [2, 'success'],
      [1, 'failure'],
    ]);
    expect((await verifyChain(store, checkpoints, keys)).ok).toBe(true);
  });

  it('does not let the bus commit an event before it is stored (a failed write is redelivered)', async () => {
    let failures = 1;
    const flaky: AuditStore = {
      kind: 'embedded',
      migrate: () => store.migrate(),
      ping: () => store.ping(),
      chainHead: () => store.chainHead(),
      existingIds: (ids) => store.existingIds(ids),
      query: (query, page) => store.query(query, page),
      scanChain: (from, to) => store.scanChain(from, to),
      close: () => store.close(),
      append: async (rows) => {
        if (failures > 0) {
          failures -= 1;
          throw new Error('store down');
        }
        await store.append(rows);
      },
    };
    const running = ingestor({ store: flaky });
    await running.start();
    await bus.publish([fileUploaded(), fileUploaded()]);
    await waitFor(async () => (await all()).length === 2);
    await running.stop();
    expect((await all()).map((row) => row.seq)).toEqual([2, 1]);
    expect(bus.readTopic(`${topicForEventType('file.uploaded')}.dlq`)).toEqual([]);
  });

  it('sends a poison event to the dead-letter topic and goes on', async () => {
    const running = ingestor();
    await running.start();
    bus.appendRaw({ topic: 'coffer.file.v1', key: 'k', value: '{"not":"an event"}', headers: {} });
    await bus.publish([fileUploaded()]);
    await waitFor(async () => (await all()).length === 1);
    await waitFor(() => Promise.resolve(bus.readTopic('coffer.file.v1.dlq').length === 1));
    await running.stop();
  });

  it('loses nothing when killed mid-batch: the next ingestor gets the uncommitted events', async () => {
    const first = ingestor({ maxWaitMs: 10_000, consumers: 100, lingerMs: 10_000 });
    await first.start();
    const events = Array.from({ length: 5 }, () => fileUploaded());
    await bus.publish(events);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await first.abort();
    expect(await all()).toEqual([]);
    const second = ingestor();
    await second.start();
    await waitFor(async () => (await all()).length === 5);
    await second.stop();
    expect(new Set((await all()).map((row) => row.id))).toEqual(new Set(events.map((event) => event.id)));
  });
});
