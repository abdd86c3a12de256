import { describe, expect, it } from 'vitest';
import { parseEvent, platformEventSchemaRegistry } from '@coffer/events';
import { benchEventTopic, BenchEventFactory, kafkaMessageOf } from './bench-events.js';

describe('BenchEventFactory', () => {
  it('makes valid file.uploaded events whose ids are UUIDs inside the run’s id range', () => {
    const factory = new BenchEventFactory('0b7f7c2e-4b8f-4a8e-9d7b-1f2e3d4c5b6a', 'deadbeef');
    const events = Array.from({ length: 50 }, () => factory.next());
    const registry = platformEventSchemaRegistry();
    for (const event of events) {
      expect(() => registry.validate(event)).not.toThrow();
      expect(event.id).toMatch(/^deadbeef-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(event.id >= factory.idRange.low && event.id < factory.idRange.high).toBe(true);
    }
    expect(new Set(events.map((event) => event.id)).size).toBe(50);
  });

  it('writes the record the platform’s bus writes: keyed by subject, with the CloudEvents headers', () => {
    const event = new BenchEventFactory().next();
    const message = kafkaMessageOf(event);
    expect(benchEventTopic('kafka://127.0.0.1:9092')).toBe('coffer.file.v1');
    expect(benchEventTopic('kafka://127.0.0.1:9092?namespace=bench-files-1')).toBe('bench-files-1.file.v1');
    expect(message.key).toBe(event.subject);
    expect(parseEvent(String(message.value))).toEqual(event);
    expect(message.headers).toMatchObject({ ce_id: event.id, ce_type: 'file.uploaded' });
  });
});
