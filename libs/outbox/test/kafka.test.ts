import { createDatabase, migrate, withTransaction, type Database } from '@coffer/db';
import { KafkaEventBus, topicForEventType, type CloudEvent, type Subscription } from '@coffer/events';
import { createTemporaryPostgresDatabase, loadEngineEndpoints, requireKafka, uniqueName, type TemporaryPostgresDatabase } from '@coffer/testing';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxRelay, outboxMigration, writeToOutbox } from '../src/index.js';
import { logger } from './outbox.contract.js';
import { eventually, order, ORDER_TYPE, orderRegistry } from './outbox-test-kit.js';

const endpoints = loadEngineEndpoints();
const brokers = [...endpoints.kafka.brokers];
/** Topics and groups of this run start with this, so cleanup finds them. */
const namespace = uniqueName('outboxtest', '-');
const kafka = new Kafka({ clientId: 'coffer-outbox-test', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 3_000 });
let temporary: TemporaryPostgresDatabase | undefined;
let db: Database | undefined;
let bus: KafkaEventBus | undefined;

beforeAll(async () => {
  await requireKafka(endpoints);
  temporary = await createTemporaryPostgresDatabase('coffer_outbox_kafka');
  db = await createDatabase(temporary.url);
  bus = new KafkaEventBus({ brokers, clientId: 'coffer-outbox-test', registry: orderRegistry(), namespace, partitions: 3 });
});

afterAll(async () => {
  await bus?.close();
  await db?.close();
  await temporary?.drop();
  const admin = kafka.admin();
  await admin.connect();
  try {
    const groups = (await admin.listGroups()).groups.map((group) => group.groupId).filter((id) => id.startsWith(namespace));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(namespace));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
});

describe('outbox → relay → Kafka', () => {
  it('delivers every committed event once, in order per key, and none of a rolled-back transaction', async () => {
    if (db === undefined || bus === undefined) throw new Error('setup failed');
    const database = db;
    const schema = 'orders';
    await migrate(database, { schema, migrations: [outboxMigration(schema)] });

    const committed = Array.from({ length: 40 }, (_, seq) => order(`order-${seq % 4}`, seq));
    for (let i = 0; i < committed.length; i += 8) {
      await withTransaction(database, (trx) => writeToOutbox(trx, schema, committed.slice(i, i + 8), { namespace }));
    }
    const rolledBack = order('order-0', 999);
    await expect(
      withTransaction(database, async (trx) => {
        await writeToOutbox(trx, schema, [rolledBack], { namespace });
        throw new Error('refused');
      }),
    ).rejects.toBeDefined();

    const received: CloudEvent[] = [];
    const subscription: Subscription = await bus.subscribe({
      group: `${namespace}-audit`,
      topics: [topicForEventType(ORDER_TYPE, namespace)],
      handler: (event) => {
        received.push(event);
        return Promise.resolve();
      },
    });
    const relay = new OutboxRelay({ db: database, schema, bus, logger, batchSize: 16, idleWaitMs: 20 });
    relay.start();
    try {
      await eventually(() => received.length >= committed.length, `${received.length} of ${committed.length} received`, 45_000);
      // A little longer, so a duplicate would show up.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await relay.backlog()).toEqual({ count: 0, oldestAgeSeconds: 0 });
    } finally {
      await relay.stop();
      await subscription.stop();
    }

    const ids = received.map((event) => event.id);
    expect(ids).toHaveLength(committed.length);
    expect([...ids].sort()).toEqual(committed.map((event) => event.id).sort());
    expect(ids).not.toContain(rolledBack.id);
    for (let key = 0; key < 4; key++) {
      const subject = `order-${key}`;
      expect(received.filter((event) => event.subject === subject).map((event) => event.id)).toEqual(
        committed.filter((event) => event.subject === subject).map((event) => event.id),
      );
    }
    expect(received[0]).toEqual(committed.find((event) => event.id === received[0]?.id));
  });
});
