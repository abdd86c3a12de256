import { describe, expect, it } from 'vitest';
import { describeEventBusContract, type OpenedBus } from '../test/event-bus.contract.js';
import { EmbeddedEventBus } from './embedded-event-bus.js';
import { EventSchemaRegistry } from './event-schema-registry.js';
import { partitionForKey } from './event-record.js';

const buses: EmbeddedEventBus[] = [];
let count = 0;

describeEventBusContract('embedded', {
  open: (registry) => {
    count += 1;
    const bus = new EmbeddedEventBus({ registry, partitions: 3, namespace: `embedded-${count}` });
    buses.push(bus);
    const opened: OpenedBus = {
      bus,
      namespace: `embedded-${count}`,
      appendRaw: (topic, key, value) => Promise.resolve(bus.appendRaw({ topic, key, value, headers: {} })),
      readRecords: async (topic, expected) => {
        const deadline = Date.now() + 10_000;
        while (bus.readTopic(topic).length < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        return bus.readTopic(topic).map(({ key, value, headers }) => ({ key, value, headers }));
      },
    };
    return Promise.resolve(opened);
  },
  cleanup: async () => {
    await Promise.all(buses.map((bus) => bus.close()));
  },
});

describe('EmbeddedEventBus', () => {
  it('puts a key in the partition Kafka would choose (murmur2, like the Java and kafkajs default partitioners)', () => {
    // Expected values from kafkajs's DefaultPartitioner for 3 and 12 partitions.
    expect([partitionForKey('a', 3), partitionForKey('order-1', 3), partitionForKey('', 3)]).toEqual([1, 1, 0]);
    expect(partitionForKey('some longer key with ünïcode', 12)).toBe(9);
  });

  it('rejects a partition count that is not a whole number from 1 to 1000', () => {
    const registry = new EventSchemaRegistry();
    expect(() => new EmbeddedEventBus({ registry, partitions: 0 })).toThrow(/partitions/);
    expect(() => new EmbeddedEventBus({ registry, partitions: 1.5 })).toThrow(/partitions/);
  });
});
