import { createDatabase, migrate, withTransaction, type Database } from '@coffer/db';
import { EmbeddedEventBus, EVENT_HEADERS, topicForEventType, type CloudEvent } from '@coffer/events';
import { initTracing, type Tracing } from '@coffer/platform';
import { uniqueName } from '@coffer/testing';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../test/outbox.contract.js';
import { order, ORDER_TYPE, orderRegistry, SwitchableEventBus } from '../test/outbox-test-kit.js';
import { outboxMigration } from './outbox-migration.js';
import { OutboxRelay } from './outbox-relay.js';
import { writeToOutbox } from './write-to-outbox.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PRODUCER_SPAN_ID = '00f067aa0ba902b7';

describe('OutboxRelay tracing', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let db: Database;

  beforeAll(async () => {
    tracing = initTracing({ service: 'outbox-test', version: '0.0.0', spanProcessors: [new SimpleSpanProcessor(exporter)] });
    db = await createDatabase('pglite://memory');
  });

  afterAll(async () => {
    await db.close();
    await tracing.shutdown();
  });

  async function schemaWith(events: readonly CloudEvent[]): Promise<string> {
    const schema = uniqueName('outbox');
    await migrate(db, { schema, migrations: [outboxMigration(schema)] });
    await withTransaction(db, (trx) => writeToOutbox(trx, schema, events));
    return schema;
  }

  it('publishes each row in a `publish <topic>` producer span under its stored traceparent, named by the record header', async () => {
    exporter.reset();
    const traced = { ...order('a', 1), traceparent: `00-${TRACE_ID}-${PRODUCER_SPAN_ID}-01` };
    const untraced = order('b', 2);
    const schema = await schemaWith([traced, untraced]);
    const bus = new EmbeddedEventBus({ registry: orderRegistry(), partitions: 1 });
    const relay = new OutboxRelay({ db, schema, bus, logger, tracer: tracing.tracer });

    expect(await relay.runOnce()).toBe(2);

    const topic = topicForEventType(ORDER_TYPE);
    const spans = exporter.getFinishedSpans().filter((span) => span.name === `publish ${topic}`);
    expect(spans).toHaveLength(2);
    const [first, second] = spans;
    expect(first?.kind).toBe(SpanKind.PRODUCER);
    expect(first?.spanContext().traceId).toBe(TRACE_ID);
    expect(first?.parentSpanContext?.spanId).toBe(PRODUCER_SPAN_ID);
    expect(first?.attributes).toMatchObject({ 'messaging.destination.name': topic, 'messaging.message.id': traced.id, 'messaging.operation.type': 'send' });
    // No stored traceparent: a trace of its own.
    expect(second?.parentSpanContext).toBeUndefined();

    const records = bus.readTopic(topic);
    expect(records[0]?.headers[EVENT_HEADERS.traceparent]).toBe(`00-${TRACE_ID}-${first?.spanContext().spanId}-01`);
    expect(records[1]?.headers[EVENT_HEADERS.traceparent]).toBe(`00-${second?.spanContext().traceId}-${second?.spanContext().spanId}-01`);
    // The CloudEvent keeps the traceparent of the operation that produced it.
    expect(JSON.parse(records[0]?.value ?? '{}')).toMatchObject({ traceparent: traced.traceparent });
    await bus.close();
  });

  it('marks the publish spans as failed when the bus refuses the batch', async () => {
    exporter.reset();
    const schema = await schemaWith([{ ...order('c', 3), traceparent: `00-${TRACE_ID}-${PRODUCER_SPAN_ID}-01` }]);
    const bus = new SwitchableEventBus(new EmbeddedEventBus({ registry: orderRegistry(), partitions: 1 }));
    bus.failing = true;
    const relay = new OutboxRelay({ db, schema, bus, logger, tracer: tracing.tracer });

    expect(await relay.runOnce()).toBe(0);
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe(`publish ${topicForEventType(ORDER_TYPE)}`);
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
  });
});
