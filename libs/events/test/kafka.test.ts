import { loadEngineEndpoints, requireKafka, uniqueName } from '@coffer/testing';
import { Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, EventSchemaRegistry, KafkaEventBus, topicForEventType, type EventBus } from '../src/index.js';
import { describeEventBusContract, type RawRecord } from './event-bus.contract.js';

const endpoints = loadEngineEndpoints();
const brokers = [...endpoints.kafka.brokers];
/** Every topic and group of this run starts with this, so cleanup finds them all. */
const runPrefix = uniqueName('eventstest', '-');
const kafka = new Kafka({ clientId: 'coffer-events-test', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 3_000 });
const admin: Admin = kafka.admin();
const rawProducer: Producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
const buses: EventBus[] = [];
let namespaceCount = 0;

beforeAll(async () => {
  await requireKafka(endpoints);
  await admin.connect();
  await rawProducer.connect();
});

afterAll(async () => {
  await Promise.allSettled(buses.map((bus) => bus.close()));
  await rawProducer.disconnect();
  const groups = (await admin.listGroups()).groups.map((group) => group.groupId).filter((id) => id.startsWith(runPrefix));
  if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
  const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(runPrefix));
  if (topics.length > 0) await admin.deleteTopics({ topics });
  await admin.disconnect();
});

function openBus(registry: EventSchemaRegistry, namespace: string, partitions = 3): KafkaEventBus {
  const bus = new KafkaEventBus({ brokers, clientId: 'coffer-events-test', registry, namespace, partitions });
  buses.push(bus);
  return bus;
}

/** Reads `topic` from the beginning with a throwaway group until `count` records arrived. */
async function readRecords(topic: string, count: number): Promise<RawRecord[]> {
  const consumer = kafka.consumer({ groupId: `${runPrefix}-reader-${(namespaceCount += 1)}`, maxWaitTimeInMs: 200 });
  const records: RawRecord[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          if (value !== undefined) headers[name] = (Array.isArray(value) ? value[0] : value)?.toString() ?? '';
        }
        records.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', headers });
        return Promise.resolve();
      },
    });
    const deadline = Date.now() + 30_000;
    while (records.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    // A little longer, so extra records would show up in the assertion.
    await new Promise((resolve) => setTimeout(resolve, 300));
    return records;
  } finally {
    await consumer.disconnect();
  }
}

describeEventBusContract('kafka', {
  open: (registry) => {
    namespaceCount += 1;
    const namespace = `${runPrefix}-${namespaceCount}`;
    const bus = openBus(registry, namespace);
    return Promise.resolve({
      bus,
      namespace,
      appendRaw: async (topic, key, value) => {
        await rawProducer.send({ topic, acks: -1, messages: [{ key, value }] });
      },
      readRecords,
    });
  },
  // Buses are closed and topics and groups deleted by this file's afterAll.
  cleanup: () => Promise.resolve(),
});

describe('KafkaEventBus on real Kafka', () => {
  const registry = new EventSchemaRegistry().register('files.uploaded', { type: 'object' });

  it('provisions the topic and its dead-letter topic with the configured partitions, idempotently', async () => {
    const namespace = `${runPrefix}-prov`;
    const topic = topicForEventType('files.uploaded', namespace);
    const bus = openBus(registry, namespace, 4);
    const again = openBus(registry, namespace, 4);
    await Promise.all([
      bus.publish([createEvent({ type: 'files.uploaded', source: '/coffer/file', subject: 'file-1', data: {} })]),
      again.publish([createEvent({ type: 'files.uploaded', source: '/coffer/file', subject: 'file-2', data: {} })]),
    ]);
    const subscription = await bus.subscribe({ group: `${namespace}-g`, topics: [topic], handler: () => Promise.resolve() });
    await subscription.stop();
    const metadata = await admin.fetchTopicMetadata({ topics: [topic, `${topic}.dlq`] });
    expect(metadata.topics.map((entry) => entry.partitions.length)).toEqual([4, 4]);
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.reduce((sum, partition) => sum + Number(partition.high), 0)).toBe(2);
  });

  it('writes key = subject and the CloudEvents headers on each record', async () => {
    const namespace = `${runPrefix}-headers`;
    const topic = topicForEventType('files.uploaded', namespace);
    const bus = openBus(registry, namespace);
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const event = createEvent({ type: 'files.uploaded', source: '/coffer/file', subject: 'file-42', data: { size: 3 }, traceparent });
    await bus.publish([event]);
    const [record] = await readRecords(topic, 1);
    expect(record?.key).toBe('file-42');
    expect(JSON.parse(record?.value ?? '{}')).toEqual(event);
    expect(record?.headers).toMatchObject({ ce_id: event.id, ce_type: 'files.uploaded', ce_source: '/coffer/file', ce_specversion: '1.0', traceparent });
  });

  it('keeps two namespaces on one cluster apart: one group name, each bus gets all of its own events and none of the other', async () => {
    const namespaces = [`${runPrefix}-ns-a`, `${runPrefix}-ns-b`];
    const pair = namespaces.map((namespace) => openBus(registry, namespace));
    const received: string[][] = [[], []];
    // The same logical group on both: without the namespace in the group id they would share
    // one Kafka group and split (or steal) each other's partitions.
    await Promise.all(
      pair.map((bus, index) =>
        bus.subscribe({ group: `${runPrefix}-shared`, topics: [topicForEventType('files.uploaded', bus.topicNamespace)], handler: (event) => (received[index]?.push(event.subject), Promise.resolve()) }),
      ),
    );
    const subjects = Array.from({ length: 12 }, (_, index) => `file-${index}`);
    await Promise.all(pair.map((bus, index) => bus.publish(subjects.map((subject) => createEvent({ type: 'files.uploaded', source: '/coffer/file', subject: `${index}-${subject}`, data: {} })))));
    const deadline = Date.now() + 30_000;
    while (received.some((list) => list.length < subjects.length) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received.map((list) => [...list].sort())).toEqual([0, 1].map((index) => subjects.map((subject) => `${index}-${subject}`).sort()));
    const groups = (await admin.listGroups()).groups.map((group) => group.groupId);
    expect(groups).toEqual(expect.arrayContaining(namespaces.map((namespace) => `${namespace}.${runPrefix}-shared`)));
  });

  it('reports an unreachable broker as unavailable', async () => {
    const bus = new KafkaEventBus({ brokers: ['127.0.0.1:1'], clientId: 'coffer-events-test', registry, namespace: `${runPrefix}-down` });
    const started = Date.now();
    const error: unknown = await bus.publish([createEvent({ type: 'files.uploaded', source: '/coffer/file', subject: 'f', data: {} })]).catch((reason: unknown) => reason);
    expect(error).toMatchObject({ code: 'unavailable' });
    expect(Date.now() - started).toBeLessThan(60_000);
    await bus.close();
  });
});
