import { createDatabase, type Database } from '@coffer/db';
import { EmbeddedEventBus, platformEventSchemaRegistry, topicForEventType } from '@coffer/events';
import { createLogger, initTracing, type Tracing } from '@coffer/platform';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileUploaded, MemoryCheckpointStore, testKeyRing } from '../chain/audit-test.fixture.js';
import { EmbeddedAuditStore } from '../store/embedded-audit-store.js';
import { AuditIngestor } from './audit-ingestor.js';

const logger = createLogger({ service: 'audit-test', level: 'silent' });

describe('AuditIngestor tracing', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let db: Database;

  beforeAll(async () => {
    tracing = initTracing({ service: 'audit', version: '0.0.0', spanProcessors: [new SimpleSpanProcessor(exporter)] });
    db = await createDatabase('pglite://memory');
  });

  afterAll(async () => {
    await db.close();
    await tracing.shutdown();
  });

  it('writes a batch in an `audit insert` span: child of the first event’s process span, linked to every event’s', async () => {
    const store = new EmbeddedAuditStore(db);
    await store.migrate();
    const bus = new EmbeddedEventBus({ registry: platformEventSchemaRegistry(), tracer: tracing.tracer });
    const ingestor = new AuditIngestor({
      bus,
      store,
      checkpoints: new MemoryCheckpointStore(),
      keys: testKeyRing(),
      logger,
      batchSize: 50,
      maxWaitMs: 200,
      lingerMs: 50,
      checkpointEvery: 100,
      consumers: 3,
      tracer: tracing.tracer,
    });
    await ingestor.start();
    const traceIds = ['4bf92f3577b34da6a3ce929d0e0e4736', '5bf92f3577b34da6a3ce929d0e0e4736', '6bf92f3577b34da6a3ce929d0e0e4736'];
    const events = traceIds.map((traceId) => ({ ...fileUploaded(), traceparent: `00-${traceId}-00f067aa0ba902b7-01` }));
    await bus.publish(events);
    const deadline = Date.now() + 10_000;
    const linkedCount = () => exporter.getFinishedSpans().filter((span) => span.name === 'audit insert').reduce((sum, span) => sum + span.links.length, 0);
    while (linkedCount() < events.length && Date.now() < deadline) await new Promise((wait) => setTimeout(wait, 10));
    await ingestor.stop();
    await bus.close();

    const spans = exporter.getFinishedSpans();
    const processes = spans.filter((span) => span.name === `process ${topicForEventType('file.uploaded')}`);
    expect(processes).toHaveLength(3);
    expect(processes.every((span) => span.kind === SpanKind.CONSUMER && span.parentSpanContext?.spanId === '00f067aa0ba902b7')).toBe(true);
    // Events of different partitions may share a batch or not: check every batch the same way.
    const inserts = spans.filter((span) => span.name === 'audit insert');
    expect(inserts.length).toBeGreaterThanOrEqual(1);
    const processIds = new Set(processes.map((span) => span.spanContext().spanId));
    for (const insert of inserts) {
      const parent = processes.find((span) => span.spanContext().spanId === insert.parentSpanContext?.spanId);
      expect(parent, 'the insert is the child of one of the process spans').toBeDefined();
      expect(insert.spanContext().traceId).toBe(parent?.spanContext().traceId);
      const linked = insert.links.map((link) => link.context.spanId);
      expect(linked[0], 'the parent is the first linked event').toBe(parent?.spanContext().spanId);
      expect(linked.every((id) => processIds.has(id))).toBe(true);
      expect(insert.attributes['coffer.audit.batch_size']).toBe(linked.length);
      expect(insert.attributes['coffer.audit.rows']).toBe(linked.length);
    }
    expect(new Set(inserts.flatMap((insert) => insert.links.map((link) => link.context.spanId)))).toEqual(processIds);
  });
});
