import { setTimeout as sleep } from 'node:timers/promises';
import { migrate, runQuery, withTransaction, type Database, type DatabaseEngine } from '@coffer/db';
import { EmbeddedEventBus, parseEvent, topicForEventType, type CloudEvent } from '@coffer/events';
import { AppError, createLogger } from '@coffer/platform';
import { uniqueName } from '@coffer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxRelay, outboxMigration, writeToOutbox, type OutboxRelayOptions } from '../src/index.js';
import { eventually, order, ORDER_TYPE, orderRegistry, SwitchableEventBus } from './outbox-test-kit.js';

/** What the contract suite needs from an engine's test file. */
export interface OutboxContractTarget {
  readonly engine: DatabaseEngine;
  /** Opens a handle on the database under test. The suite closes it. */
  openDatabase(): Promise<Database>;
}

interface OutboxRow {
  readonly id: string;
  readonly event_id: string;
  readonly topic: string;
  readonly event_key: string;
  readonly payload: unknown;
  readonly attempts: number;
  readonly last_error: string | null;
  readonly published_at: Date | null;
  /** `available_at - now()` in seconds. */
  readonly wait_seconds: number;
}

export const logger = createLogger({ service: 'outbox-test', level: 'silent' });

/**
 * The behaviour the outbox has on both engines. Each test works in its own schema, so tests
 * never see each other's rows.
 */
export function registerOutboxContract(target: OutboxContractTarget): void {
  describe(`outbox contract on ${target.engine}`, () => {
    let db: Database;
    const buses: EmbeddedEventBus[] = [];
    const relays: OutboxRelay[] = [];

    beforeAll(async () => {
      db = await target.openDatabase();
    });

    afterAll(async () => {
      await Promise.all(relays.map((relay) => relay.stop()));
      await Promise.all(buses.map((bus) => bus.close()));
      await db.close();
    });

    async function outboxSchema(): Promise<string> {
      const schema = uniqueName('outbox');
      await migrate(db, { schema, migrations: [outboxMigration(schema)] });
      return schema;
    }

    /** A real in-process bus with one partition, so its topic shows the exact publish order. */
    function embeddedBus(): EmbeddedEventBus {
      const bus = new EmbeddedEventBus({ registry: orderRegistry(), partitions: 1 });
      buses.push(bus);
      return bus;
    }

    function publishedIds(bus: EmbeddedEventBus): string[] {
      return bus.readTopic(topicForEventType(ORDER_TYPE)).map((record) => parseEvent(record.value).id);
    }

    function relay(options: Omit<OutboxRelayOptions, 'db' | 'logger'>): OutboxRelay {
      const created = new OutboxRelay({ db, logger, ...options });
      relays.push(created);
      return created;
    }

    async function rows(schema: string): Promise<OutboxRow[]> {
      const result = await runQuery(db, (knex) =>
        knex.raw<{ rows: OutboxRow[] }>(
          `select id, event_id, topic, event_key, payload, attempts, last_error, published_at,
                  extract(epoch from (available_at - now()))::float8 as wait_seconds
             from ??.outbox order by id`,
          [schema],
        ),
      );
      return result.rows;
    }

    /** Pretends the backoff of every pending row has passed. */
    async function makeAvailable(schema: string): Promise<void> {
      await runQuery(db, (knex) => knex.raw(`update ??.outbox set available_at = now() where published_at is null`, [schema]));
    }

    async function write(schema: string, events: readonly CloudEvent[]): Promise<void> {
      await withTransaction(db, (trx) => writeToOutbox(trx, schema, events));
    }

    it('leaves no row when the transaction rolls back, and exactly one when it commits', async () => {
      const schema = await outboxSchema();
      const event = order('order-1', 0);
      await expect(
        withTransaction(db, async (trx) => {
          await writeToOutbox(trx, schema, [event]);
          throw new AppError('precondition_failed', { detail: 'the state change was refused' });
        }),
      ).rejects.toMatchObject({ code: 'precondition_failed' });
      expect(await rows(schema)).toEqual([]);

      await write(schema, [event]);
      const [row, ...more] = await rows(schema);
      expect(more).toEqual([]);
      expect(row).toMatchObject({
        event_id: event.id,
        topic: 'coffer.orders.v1',
        event_key: 'order-1',
        attempts: 0,
        last_error: null,
        published_at: null,
      });
      expect(row?.payload).toEqual(event);

      // The same event id a second time fails its transaction and adds nothing.
      await expect(write(schema, [event])).rejects.toMatchObject({ code: 'conflict' });
      expect(await rows(schema)).toHaveLength(1);
    });

    it('refuses an invalid envelope and writes nothing of the batch', async () => {
      const schema = await outboxSchema();
      const forged = { ...order('k', 1), specversion: '0.3' } as unknown as CloudEvent;
      await expect(write(schema, [order('k', 0), forged])).rejects.toMatchObject({ code: 'invalid_argument' });
      expect(await rows(schema)).toEqual([]);
    });

    it('publishes every row once, in id order, batch by batch, and marks it published', async () => {
      const schema = await outboxSchema();
      const bus = embeddedBus();
      const events = Array.from({ length: 25 }, (_, seq) => order(`key-${seq % 3}`, seq));
      await write(schema, events.slice(0, 9));
      await write(schema, events.slice(9, 20));
      await write(schema, events.slice(20));
      const outboxRelay = relay({ schema, bus, batchSize: 10 });

      expect(await outboxRelay.backlog()).toMatchObject({ count: 25 });
      const counts = [await outboxRelay.runOnce(), await outboxRelay.runOnce(), await outboxRelay.runOnce(), await outboxRelay.runOnce()];
      expect(counts).toEqual([10, 10, 5, 0]);
      expect(publishedIds(bus)).toEqual(events.map((event) => event.id));
      expect((await rows(schema)).every((row) => row.published_at instanceof Date && row.attempts === 0)).toBe(true);
      expect(await outboxRelay.backlog()).toEqual({ count: 0, oldestAgeSeconds: 0 });
    });

    it('reports the backlog size and the age of the oldest pending row', async () => {
      const schema = await outboxSchema();
      await write(schema, [order('a', 0), order('b', 0)]);
      await runQuery(db, (knex) =>
        knex.raw(`update ??.outbox set created_at = now() - interval '90 seconds' where id = (select min(id) from ??.outbox)`, [schema, schema]),
      );
      const backlog = await relay({ schema, bus: embeddedBus() }).backlog();
      expect(backlog.count).toBe(2);
      expect(backlog.oldestAgeSeconds).toBeGreaterThanOrEqual(90);
      expect(backlog.oldestAgeSeconds).toBeLessThan(120);
    });

    it('keeps rows pending with attempts, last error and capped exponential backoff while the bus fails, then publishes them in order', async () => {
      const schema = await outboxSchema();
      const inner = embeddedBus();
      const bus = new SwitchableEventBus(inner);
      bus.failing = true;
      const events = [order('a', 0), order('a', 1), order('b', 0)];
      await write(schema, events);
      const outboxRelay = relay({ schema, bus, baseBackoffMs: 1_000, maxBackoffMs: 4_000 });

      const waits: number[] = [];
      for (let attempt = 1; attempt <= 4; attempt++) {
        expect(await outboxRelay.runOnce()).toBe(0);
        const pending = await rows(schema);
        expect(pending.map((row) => [row.attempts, row.published_at])).toEqual(events.map(() => [attempt, null]));
        expect(pending[0]?.last_error).toMatch(/unavailable/i);
        waits.push(Math.round(pending[0]?.wait_seconds ?? -1));
        // While the backoff runs, nothing is claimed and the bus is not called.
        const calls = bus.publishCalls;
        expect(await outboxRelay.runOnce()).toBe(0);
        expect(bus.publishCalls).toBe(calls);
        await makeAvailable(schema);
      }
      expect(waits).toEqual([1, 2, 4, 4]);
      expect(await outboxRelay.backlog()).toMatchObject({ count: 3 });
      expect(publishedIds(inner)).toEqual([]);

      bus.failing = false;
      expect(await outboxRelay.runOnce()).toBe(3);
      expect(publishedIds(inner)).toEqual(events.map((event) => event.id));
      expect(await outboxRelay.backlog()).toEqual({ count: 0, oldestAgeSeconds: 0 });
    });

    it('holds back a row while an earlier row of its key waits out a backoff; other keys go on', async () => {
      const schema = await outboxSchema();
      const inner = embeddedBus();
      const bus = new SwitchableEventBus(inner);
      const outboxRelay = relay({ schema, bus, baseBackoffMs: 60_000, maxBackoffMs: 60_000 });
      const a0 = order('a', 0);
      await write(schema, [a0]);
      bus.failing = true;
      expect(await outboxRelay.runOnce()).toBe(0);
      bus.failing = false;

      const a1 = order('a', 1);
      const b0 = order('b', 0);
      await write(schema, [a1, b0]);
      expect(await outboxRelay.runOnce()).toBe(1);
      expect(publishedIds(inner)).toEqual([b0.id]);

      await makeAvailable(schema);
      expect(await outboxRelay.runOnce()).toBe(2);
      expect(publishedIds(inner)).toEqual([b0.id, a0.id, a1.id]);
    });

    it('runs in the background from start() to stop(), riding out a bus outage without losing a row', async () => {
      const schema = await outboxSchema();
      const inner = embeddedBus();
      const bus = new SwitchableEventBus(inner);
      bus.failing = true;
      const outboxRelay = relay({ schema, bus, batchSize: 4, idleWaitMs: 10, baseBackoffMs: 20, maxBackoffMs: 100 });
      outboxRelay.start();
      outboxRelay.start();
      const events = Array.from({ length: 10 }, (_, seq) => order(`key-${seq % 2}`, seq));
      await write(schema, events.slice(0, 5));
      await write(schema, events.slice(5));
      // The first batch is retried; later rows of the same keys wait behind it (per-key order).
      await eventually(async () => ((await rows(schema))[0]?.attempts ?? 0) >= 3, 'rows retried while the bus fails', 10_000);
      expect(publishedIds(inner)).toEqual([]);

      bus.failing = false;
      await eventually(async () => (await outboxRelay.backlog()).count === 0, 'backlog drained');
      await outboxRelay.stop();
      await outboxRelay.stop();
      const published = publishedIds(inner);
      expect([...published].sort()).toEqual(events.map((event) => event.id).sort());
      for (const key of ['key-0', 'key-1']) {
        const forKey = events.filter((event) => event.subject === key).map((event) => event.id);
        expect(published.filter((id) => forKey.includes(id))).toEqual(forKey);
      }

      // Stopped means stopped: a new row stays pending.
      await write(schema, [order('late', 0)]);
      await sleep(100);
      expect(await outboxRelay.backlog()).toMatchObject({ count: 1 });
    });

    it('refuses nonsense options', () => {
      const bus = embeddedBus();
      expect(() => new OutboxRelay({ db, logger, schema: 'Bad-Name', bus })).toThrow(/lower-case SQL identifier/);
      expect(() => new OutboxRelay({ db, logger, schema: 'ok', bus, batchSize: 0 })).toThrow(RangeError);
      expect(() => new OutboxRelay({ db, logger, schema: 'ok', bus, baseBackoffMs: 10, maxBackoffMs: 5 })).toThrow(RangeError);
    });
  });
}
