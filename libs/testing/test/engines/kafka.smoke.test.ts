import { Kafka, Partitioners, logLevel, type Admin, type Consumer, type KafkaMessage, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEngineEndpoints, requireKafka, uniqueName } from '../../src/index.js';

interface Received {
  partition: number;
  key: string;
  value: string;
  offset: string;
}

const KEYS = ['tenant-a', 'tenant-b', 'tenant-c', 'tenant-d', 'tenant-e', 'tenant-f'];
const VALUES_PER_KEY = 5;

describe('kafka (real broker, kafkajs)', () => {
  const endpoints = loadEngineEndpoints();
  const brokers = [...endpoints.kafka.brokers];
  const topic = uniqueName('smoke');
  const groupId = uniqueName('smoke_group');
  // WARN keeps the per-join INFO lines out of the test output. Retriable coordinator errors
  // right after a broker start are still logged at ERROR (kafkajs retries them itself).
  const kafka = new Kafka({ clientId: 'coffer-kafka-smoke', brokers, logLevel: logLevel.WARN, connectionTimeout: 3_000 });
  const admin: Admin = kafka.admin();
  // DefaultPartitioner is the v2 default; naming it explicitly silences the "switched default
  // partitioner" warning (tools/engines/NOTES-kafka.md).
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const consumer: Consumer = kafka.consumer({ groupId });
  let topicCreated = false;
  let groupHasOffsets = false;

  const sent = KEYS.flatMap((key) =>
    Array.from({ length: VALUES_PER_KEY }, (_, seq) => ({ key, value: `${key}#${seq}` })),
  );

  beforeAll(async () => {
    await requireKafka(endpoints);
    await admin.connect();
  });

  afterAll(async () => {
    await consumer.disconnect();
    await producer.disconnect();
    // An empty group (consumer gone) and the topic are deleted so reruns leave nothing behind.
    if (groupHasOffsets) await admin.deleteGroups([groupId]);
    if (topicCreated) await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });

  it('creates a unique topic with 3 partitions', async () => {
    expect(
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, replicationFactor: 1 }] }),
    ).toBe(true);
    topicCreated = true;
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(3);
  });

  it('sends keyed messages with an idempotent producer', async () => {
    await producer.connect();
    // Two sends, so per-key order is checked across requests too.
    const half = Math.ceil(sent.length / 2);
    const results = [
      ...(await producer.send({ topic, acks: -1, messages: sent.slice(0, half) })),
      ...(await producer.send({ topic, acks: -1, messages: sent.slice(half) })),
    ];
    expect(results.every((result) => result.errorCode === 0)).toBe(true);

    const ends = await admin.fetchTopicOffsets(topic);
    expect(ends.reduce((sum, partition) => sum + Number(partition.high), 0)).toBe(sent.length);
  });

  it('reads everything back in a consumer group, in order per key, and commits', async () => {
    const received: Received[] = [];
    let allReceived: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      allReceived = resolve;
    });

    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        received.push({ partition, key: text(message, 'key'), value: text(message, 'value'), offset: message.offset });
        await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
        groupHasOffsets = true;
        if (received.length >= sent.length) allReceived();
      },
    });
    await within(30_000, done, () => `${received.length} of ${sent.length} messages arrived`);

    expect(received).toHaveLength(sent.length);
    for (const key of KEYS) {
      const forKey = received.filter((message) => message.key === key);
      expect(forKey.map((message) => message.value)).toEqual(
        sent.filter((message) => message.key === key).map((message) => message.value),
      );
      expect(new Set(forKey.map((message) => message.partition)).size).toBe(1);
    }
    expect(new Set(received.map((message) => message.partition)).size).toBeGreaterThan(1);

    await consumer.stop();
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    const committedByPartition = new Map(committed[0]?.partitions.map((p) => [p.partition, p.offset]));
    for (const end of ends) {
      // Partitions that got no message have nothing committed (-1) and an end offset of 0.
      expect(committedByPartition.get(end.partition)).toBe(end.high === '0' ? '-1' : end.high);
    }
  });
});

function text(message: KafkaMessage, field: 'key' | 'value'): string {
  const bytes = message[field];
  if (bytes === null) throw new Error(`message at offset ${message.offset} has no ${field}`);
  return bytes.toString('utf8');
}

async function within(ms: number, promise: Promise<void>, progress: () => string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms (${progress()})`)), ms);
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
