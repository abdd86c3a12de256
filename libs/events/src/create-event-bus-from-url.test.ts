import { eventTypes } from '@coffer/contracts';
import { describe, expect, it } from 'vitest';
import { createEvent } from './cloud-event.js';
import { createEventBusFromUrl, isEventBusUrlShape, peersOfBusUrl, platformEventSchemaRegistry } from './create-event-bus-from-url.js';
import { EmbeddedEventBus } from './embedded-event-bus.js';
import { ForwardingEventBus, forwardToEach } from './forwarding-event-bus.js';
import { KafkaEventBus } from './kafka-event-bus.js';

describe('createEventBusFromUrl', () => {
  it('builds the embedded bus for embedded://', () => {
    expect(createEventBusFromUrl('embedded://', { clientId: 't' })).toBeInstanceOf(EmbeddedEventBus);
  });

  it('builds a forwarding bus for peer://audit when given a way to forward, and refuses without one', () => {
    expect(createEventBusFromUrl('peer://audit', { clientId: 't', forward: () => Promise.resolve() })).toBeInstanceOf(ForwardingEventBus);
    expect(() => createEventBusFromUrl('peer://audit', { clientId: 't' })).toThrow(/forward/);
  });

  it('reads the consumers of peer://audit,webhook in order, once each; other URLs have none', () => {
    expect(peersOfBusUrl('peer://audit,webhook')).toEqual(['audit', 'webhook']);
    expect(peersOfBusUrl('peer://audit,audit')).toEqual(['audit']);
    expect(peersOfBusUrl('peer://audit,')).toBeUndefined();
    expect(peersOfBusUrl('kafka://a:1')).toBeUndefined();
    expect(createEventBusFromUrl('peer://audit,webhook', { clientId: 't', forward: () => Promise.resolve() })).toBeInstanceOf(ForwardingEventBus);
  });

  it.each([
    ['embedded://', true],
    ['kafka://a:1', true],
    ['peer://audit', true],
    ['peer://audit,webhook', true],
    ['peer://', false],
    ['peer://Audit', false],
    ['nats://x', false],
  ])('checks the shape of %j (%s)', (url, ok) => {
    expect(isEventBusUrlShape(url)).toBe(ok);
  });

  it('forwards to each consumer in order and fails when one fails, so the relay retries the batch', async () => {
    const seen: string[] = [];
    const ok = (name: string) => (events: readonly string[]) => (seen.push(`${name}:${events.length}`), Promise.resolve());
    await forwardToEach([ok('audit'), ok('webhook')])(['{}', '{}']);
    expect(seen).toEqual(['audit:2', 'webhook:2']);
    await expect(forwardToEach([ok('audit'), () => Promise.reject(new Error('webhook down'))])(['{}'])).rejects.toThrow('webhook down');
    expect(seen).toEqual(['audit:2', 'webhook:2', 'audit:1']);
  });

  it('builds a Kafka bus for kafka://host:port lists (without connecting)', () => {
    expect(createEventBusFromUrl('kafka://127.0.0.1:9092,broker-2.internal:9093?partitions=6', { clientId: 't' })).toBeInstanceOf(KafkaEventBus);
  });

  it('takes the topic namespace from ?namespace= (default coffer)', () => {
    expect(createEventBusFromUrl('kafka://127.0.0.1:9092', { clientId: 't' }).topicNamespace).toBe('coffer');
    expect(createEventBusFromUrl('kafka://127.0.0.1:9092?partitions=2&namespace=e2e-7f3a', { clientId: 't' }).topicNamespace).toBe('e2e-7f3a');
  });

  it.each(['', 'nats://x:1', 'kafka://', 'kafka://host', 'kafka://a:1?partitions=0', 'kafka://user:secret@host:1', 'kafka://a:1?namespace=', 'kafka://a:1?namespace=a.b', 'kafka://a:1?namespace=Upper', 'kafka://a:1?namespace=-x'])('refuses %j without repeating it', (url) => {
    let message = '';
    try {
      createEventBusFromUrl(url, { clientId: 't' });
    } catch (error) {
      message = (error as { detail?: string }).detail ?? String(error);
    }
    expect(message).toMatch(/event bus URL/);
    expect(message).not.toContain('secret');
  });
});

describe('platformEventSchemaRegistry', () => {
  it('registers every event type of the contracts', () => {
    expect(platformEventSchemaRegistry().types()).toEqual(Object.keys(eventTypes).sort());
  });

  it('refuses data that breaks its schema and accepts data that keeps it', () => {
    const registry = platformEventSchemaRegistry();
    const fileId = '0190f5d2-7a6b-7c3d-8e9f-0a1b2c3d4e5f';
    const actorId = '0190f5d2-7a6b-7c3d-8e9f-0a1b2c3d4e60';
    const good = createEvent({ type: 'file.restored', source: 'test', subject: fileId, data: { fileId, ownerId: actorId, actorId } });
    expect(() => registry.validate(good)).not.toThrow();
    const bad = createEvent({ type: 'file.restored', source: 'test', subject: fileId, data: { fileId, ownerId: actorId } });
    expect(() => registry.validate(bad)).toThrow(/actorId/);
  });
});
