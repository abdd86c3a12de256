import { initTracing, type Tracing } from '@coffer/platform';
import { loadEngineEndpoints, requireKafka, uniqueName } from '@coffer/testing';
import { SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSUMER_LAG_METRIC, createEvent, EventSchemaRegistry, KafkaEventBus, topicForEventType, type CloudEvent } from '../src/index.js';

const endpoints = loadEngineEndpoints();
const brokers = [...endpoints.kafka.brokers];
const runPrefix = uniqueName('eventsobs', '-');
const admin: Admin = new Kafka({ clientId: 'coffer-events-test', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 3_000 }).admin();
const registry = new EventSchemaRegistry().register('files.uploaded', { type: 'object' });
const buses: KafkaEventBus[] = [];
const exporter = new InMemorySpanExporter();
let tracing: Tracing;

beforeAll(async () => {
  await requireKafka(endpoints);
  await admin.connect();
  tracing = initTracing({ service: 'events-test', version: '0.0.0', spanProcessors: [new SimpleSpanProcessor(exporter)] });
});

afterAll(async () => {
  await Promise.allSettled(buses.map((bus) => bus.close()));
  await tracing.shutdown();
  const groups = (await admin.listGroups()).groups.map((group) => group.groupId).filter((id) => id.startsWith(runPrefix));
  if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
  const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(runPrefix));
  if (topics.length > 0) await admin.deleteTopics({ topics });
  await admin.disconnect();
});

function openBus(namespace: string, metricsRegistry?: Registry): KafkaEventBus {
  const bus = new KafkaEventBus({ brokers, clientId: 'coffer-events-test', registry, namespace, tracer: tracing.tracer, ...(metricsRegistry ? { metricsRegistry } : {}) });
  buses.push(bus);
  return bus;
}

const uploaded = (subject: string, traceparent?: string): CloudEvent =>
  createEvent({ type: 'files.uploaded', source: '/coffer/file', subject, data: {}, ...(traceparent === undefined ? {} : { traceparent }) });

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((wait) => setTimeout(wait, 100));
  }
}

/** The gauge's value for one group and topic as /metrics shows it; undefined when absent. */
async function scrapedLag(metrics: Registry, group: string, topic: string): Promise<number | undefined> {
  const text = await metrics.metrics();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${CONSUMER_LAG_METRIC}{group="${group}",topic="${topic}"}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

describe('KafkaEventBus consumer lag (event_consumer_lag_events)', () => {
  it('counts the events published while the group had no consumer, and drops to 0 once they are consumed', async () => {
    const namespace = `${runPrefix}-lag`;
    const topic = topicForEventType('files.uploaded', namespace);
    const group = `${namespace}-group`;
    const metrics = new Registry();
    const bus = openBus(namespace, metrics);
    const handled = new Set<string>();
    const handler = (event: CloudEvent): Promise<void> => (handled.add(event.id), Promise.resolve());

    // The group consumes one event and commits it, then its consumer stops.
    await bus.publish([uploaded('first')]);
    const first = await bus.subscribe({ group, topics: [topic], handler });
    await until(() => handled.size === 1, 30_000, 'the first event');
    await first.stop();
    await until(async () => (await scrapedLag(metrics, group, topic)) === 0, 10_000, 'lag 0 after the first event');

    // N events while nobody consumes: the gauge reads them off the brokers on scrape.
    const count = 25;
    await bus.publish(Array.from({ length: count }, (_, index) => uploaded(`subject-${index}`)));
    expect(await scrapedLag(metrics, group, topic)).toBe(count);

    // A consumer again: the lag goes back to 0.
    const again = await bus.subscribe({ group, topics: [topic], handler });
    await until(() => handled.size === count + 1, 30_000, 'every event');
    await until(async () => (await scrapedLag(metrics, group, topic)) === 0, 10_000, 'lag 0 after consuming');
    await again.stop();

    // A closed bus reports nothing (its labels go away, no stale series).
    await bus.close();
    expect(await scrapedLag(metrics, group, topic)).toBeUndefined();
  });
});

describe('KafkaEventBus tracing', () => {
  it('publishes the given trace headers and runs each delivery in a `process <topic>` consumer span under them', async () => {
    const namespace = `${runPrefix}-trace`;
    const topic = topicForEventType('files.uploaded', namespace);
    const bus = openBus(namespace);
    const original = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const publishSpanId = 'b7ad6b7169203331';
    const event = uploaded('traced', original);
    await bus.publish([event], { traceHeaders: [{ traceparent: `00-4bf92f3577b34da6a3ce929d0e0e4736-${publishSpanId}-01` }] });

    let activeInHandler: string | undefined;
    const received: CloudEvent[] = [];
    const subscription = await bus.subscribe({
      group: `${namespace}-group`,
      topics: [topic],
      handler: async (delivered) => {
        await Promise.resolve();
        activeInHandler = trace.getActiveSpan()?.spanContext().spanId;
        received.push(delivered);
      },
    });
    await until(() => received.length === 1, 30_000, 'the event');
    await subscription.stop();

    // The CloudEvent keeps the producing operation's traceparent; the header names the publish span.
    expect(received[0]?.traceparent).toBe(original);
    const process = exporter.getFinishedSpans().find((span) => span.name === `process ${topic}`);
    expect(process?.kind).toBe(SpanKind.CONSUMER);
    expect(process?.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(process?.parentSpanContext?.spanId).toBe(publishSpanId);
    expect(process?.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': topic,
      'messaging.consumer.group.name': `${namespace}-group`,
      'messaging.message.id': event.id,
    });
    expect(activeInHandler).toBe(process?.spanContext().spanId);
  });
});
