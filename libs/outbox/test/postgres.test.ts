import { createDatabase, migrate, runQuery, withTransaction, type Database } from '@coffer/db';
import { EmbeddedEventBus, parseEvent, topicForEventType } from '@coffer/events';
import { createTemporaryPostgresDatabase, uniqueName, type TemporaryPostgresDatabase } from '@coffer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxRelay, outboxMigration, writeToOutbox } from '../src/index.js';
import { logger, registerOutboxContract } from './outbox.contract.js';
import { eventually, order, ORDER_TYPE, orderRegistry, RecordingEventBus } from './outbox-test-kit.js';

let temporary: TemporaryPostgresDatabase | undefined;

beforeAll(async () => {
  temporary = await createTemporaryPostgresDatabase('coffer_outbox_test');
});

afterAll(async () => {
  await temporary?.drop();
});

function testUrl(): string {
  if (temporary === undefined) throw new Error('the temporary database was not created');
  return temporary.url;
}

registerOutboxContract({ engine: 'postgres', openDatabase: () => createDatabase(testUrl()) });

describe('outbox on postgres with several sessions', () => {
  const handles: Database[] = [];
  async function open(): Promise<Database> {
    const handle = await createDatabase(testUrl(), { pool: { max: 4 } });
    handles.push(handle);
    return handle;
  }

  afterAll(async () => {
    await Promise.all(handles.map((handle) => handle.close()));
  });

  async function outboxSchema(db: Database): Promise<string> {
    const schema = uniqueName('outbox');
    await migrate(db, { schema, migrations: [outboxMigration(schema)] });
    return schema;
  }

  it('skips rows another transaction holds instead of waiting for them', async () => {
    const db = await open();
    const other = await open();
    const schema = await outboxSchema(db);
    const events = [order('held', 0), order('free-1', 0), order('free-2', 0)];
    await withTransaction(db, (trx) => writeToOutbox(trx, schema, events));
    const bus = new EmbeddedEventBus({ registry: orderRegistry(), partitions: 1 });
    const relay = new OutboxRelay({ db, schema, bus, logger });

    const holder = await other.knex.transaction();
    try {
      await holder.raw('select id from ??.outbox where event_key = ? for update', [schema, 'held']);
      expect(await relay.runOnce()).toBe(2);
    } finally {
      await holder.rollback();
    }
    expect(await relay.runOnce()).toBe(1);
    const published = bus.readTopic(topicForEventType(ORDER_TYPE)).map((record) => parseEvent(record.value).id);
    expect(published).toEqual([events[1]?.id, events[2]?.id, events[0]?.id]);
    await bus.close();
  });

  it('publishes each row exactly once with two relays running at the same time', async () => {
    const writer = await open();
    const schema = await outboxSchema(writer);
    const events = Array.from({ length: 300 }, (_, seq) => order(`key-${seq % 10}`, seq));
    for (let i = 0; i < events.length; i += 10) {
      await withTransaction(writer, (trx) => writeToOutbox(trx, schema, events.slice(i, i + 10)));
    }

    const log: { publisher: string; id: string }[] = [];
    const relays = [
      new OutboxRelay({ db: await open(), schema, bus: new RecordingEventBus(log, 'a'), logger, batchSize: 7, idleWaitMs: 5 }),
      new OutboxRelay({ db: await open(), schema, bus: new RecordingEventBus(log, 'b'), logger, batchSize: 7, idleWaitMs: 5 }),
    ];
    for (const relay of relays) relay.start();
    try {
      await eventually(async () => (await relays[0]?.backlog())?.count === 0, 'backlog drained', 30_000);
    } finally {
      await Promise.all(relays.map((relay) => relay.stop()));
    }

    const ids = log.map((entry) => entry.id);
    expect(ids).toHaveLength(events.length);
    expect(new Set(ids).size).toBe(events.length);
    expect([...ids].sort()).toEqual(events.map((event) => event.id).sort());
    // Both really took part.
    expect(log.filter((entry) => entry.publisher === 'a').length).toBeGreaterThan(0);
    expect(log.filter((entry) => entry.publisher === 'b').length).toBeGreaterThan(0);
    const unpublished = await runQuery(writer, (knex) =>
      knex.raw<{ rows: { n: number }[] }>('select count(*)::int as n from ??.outbox where published_at is null or attempts > 0', [schema]),
    );
    expect(unpublished.rows[0]?.n).toBe(0);
  });
});
