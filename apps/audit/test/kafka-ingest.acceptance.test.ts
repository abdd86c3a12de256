import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileUploaded } from '../src/chain/audit-test.fixture.js';
import { verifyChain } from '../src/chain/verify-chain.js';
import type { AuditRow } from '../src/chain/audit-record.js';
import type { AuditStore } from '../src/store/audit-store.js';
import { AcceptanceWorld, waitFor } from './kafka-acceptance.fixture.js';

// Acceptance against the real Kafka 4 broker and ClickHouse 18.16 (tools/engines). Fails, never
// skips, when one is down.
const world = new AcceptanceWorld();

beforeAll(async () => {
  await world.open();
}, 120_000);

afterAll(async () => {
  await world.close();
}, 60_000);

describe('audit ingestion from Kafka into ClickHouse', () => {
  it('absorbs a relay-style duplicate (the same event published twice): one row', async () => {
    const ingestor = world.ingestor();
    await ingestor.start();
    const producer = world.bus('relay');
    try {
      const event = fileUploaded();
      // A relay that crashed between publish and mark-published publishes the event again.
      await producer.publish([event]);
      await producer.publish([event]);
      const marker = fileUploaded({ fileId: event.subject });
      await producer.publish([marker]);
      await waitFor('the marker row', async () => (await world.store.existingIds([marker.id])).size === 1, 60_000);
      const seqs = await world.seqById();
      expect(seqs.has(event.id)).toBe(true);
      expect(await world.counts()).toEqual({ rows: seqs.size, ids: seqs.size });
      const visible = await world.store.query({ requesterId: 'admin', requesterAdmin: true, subject: event.subject }, { limit: 10 });
      expect(visible.map((row) => row.id)).toEqual([marker.id, event.id]);
    } finally {
      await ingestor.stop();
    }
  }, 120_000);

  it('sends a poison event to the dead-letter topic and keeps consuming', async () => {
    const ingestor = world.ingestor();
    await ingestor.start();
    const topic = `${world.namespace}.file.v1`;
    const kafka = new Kafka({ clientId: 'poison', brokers: [...world.endpoints.kafka.brokers], logLevel: logLevel.NOTHING });
    const raw = kafka.producer();
    const reader = kafka.consumer({ groupId: `${world.group}-dlq-reader` });
    try {
      await raw.connect();
      const poisonValue = JSON.stringify({ ...fileUploaded(), data: { fileId: 'not-a-uuid' } });
      await raw.send({ topic, messages: [{ key: 'poison', value: poisonValue }] });
      const after = fileUploaded();
      await world.bus('producer').publish([after]);
      await waitFor('the event after the poison', async () => (await world.store.existingIds([after.id])).size === 1, 60_000);

      const dead: string[] = [];
      await reader.connect();
      await reader.subscribe({ topics: [`${topic}.dlq`], fromBeginning: true });
      await reader.run({
        eachMessage: ({ message }) => {
          dead.push(message.value?.toString() ?? '');
          return Promise.resolve();
        },
      });
      await waitFor('the dead letter', () => Promise.resolve(dead.includes(poisonValue)), 60_000);
    } finally {
      await reader.disconnect();
      await raw.disconnect();
      await ingestor.stop();
    }
  }, 180_000);

  it('loses nothing and shows no duplicate when the ingestor is killed mid-batch', async () => {
    const before = await world.counts();
    let kill: Promise<void> | undefined;
    let writes = 0;
    // The store write of the third batch lands, then the process "dies" before any of that
    // batch's events is committed to Kafka: the next ingestor gets them again.
    const crashing = (store: AuditStore, onCrash: () => void): AuditStore => ({
      kind: store.kind,
      migrate: () => store.migrate(),
      ping: () => store.ping(),
      chainHead: () => store.chainHead(),
      existingIds: (ids) => store.existingIds(ids),
      query: (query, page) => store.query(query, page),
      scanChain: (from, to) => store.scanChain(from, to),
      close: () => store.close(),
      append: async (rows: readonly AuditRow[]) => {
        writes += 1;
        await store.append(rows);
        if (writes === 3) {
          onCrash();
          throw new Error('killed');
        }
      },
    });
    // Batches of 100 (the ingestor hands maxInFlight = batchSize to the bus), so the 500 events
    // take at least five writes and the third one happens.
    const first = world.ingestor({
      batchSize: 100,
      store: crashing(world.store, () => {
        kill = first.abort();
      }),
    });
    await first.start();
    const producer = world.bus('burst-producer');
    const events = Array.from({ length: 500 }, (_, i) => fileUploaded({ fileId: `00000000-0000-4000-8000-${String(i % 20).padStart(12, '0')}` }));
    await producer.publish(events);
    await waitFor('the crash', () => Promise.resolve(kill !== undefined), 60_000);
    await kill;

    const second = world.ingestor();
    await second.start();
    try {
      await waitFor('every event', async () => (await world.store.existingIds(events.map((event) => event.id))).size === events.length, 120_000);
      const counts = await world.counts();
      expect(counts.rows).toBe(counts.ids);
      expect(counts.ids - before.ids).toBe(events.length);
    } finally {
      await second.stop();
    }
    expect(await verifyChain(world.store, world.checkpoints, world.keys)).toMatchObject({ ok: true, problems: [] });
  }, 300_000);
});
