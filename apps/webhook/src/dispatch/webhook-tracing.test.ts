import type { Database } from '@coffer/db';
import { initTracing, createMetricsRegistry, type Tracing } from '@coffer/platform';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddressPolicy } from '../delivery/address-policy.js';
import { WebhookHttpSender } from '../delivery/webhook-http-sender.js';
import { KnexWebhookRepository } from '../subscriptions/webhook-repository.js';
import { WebhookMetrics } from '../webhook-metrics.js';
import {
  fileUploadedEvent,
  openMigratedPglite,
  PGLITE_START_TIMEOUT_MS,
  silentLogger,
  startReceiver,
  storeSubscription,
  testSealer,
  waitFor,
} from '../webhook-test.fixture.js';
import { DeliveryDispatcher } from './delivery-dispatcher.js';
import { EventFanout } from './event-fanout.js';
import { parseRetrySchedule } from './retry-schedule.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PRODUCER_SPAN_ID = '00f067aa0ba902b7';

describe('webhook tracing', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let db: Database;

  beforeAll(async () => {
    tracing = initTracing({ service: 'webhook', version: '0.0.0', spanProcessors: [new SimpleSpanProcessor(exporter)] });
    db = await openMigratedPglite();
  }, PGLITE_START_TIMEOUT_MS);

  afterAll(async () => {
    await db.close();
    await tracing.shutdown();
  });

  it('fans out in a `webhook fanout` span under the active one, and delivers each attempt in a `webhook deliver` client span under the event’s traceparent', async () => {
    const repository = new KnexWebhookRepository(db);
    const sealer = testSealer();
    const endpoint = await startReceiver((_request, index) => ({ status: index === 0 ? 500 : 200 }));
    const sender = new WebhookHttpSender({ addressPolicy: new AddressPolicy({ allow: ['127.0.0.0/8'] }), allowHttp: true, timeoutMs: 1_000 });
    const dispatcher = new DeliveryDispatcher({
      repository,
      transport: sender,
      sealer,
      metrics: new WebhookMetrics(createMetricsRegistry('test')),
      logger: silentLogger(),
      scheduleMs: parseRetrySchedule('0,50ms'),
      concurrency: 2,
      pollIntervalMs: 20,
      leaseMs: 5_000,
      disableAfterMs: 60_000,
      random: () => 0.5,
      tracer: tracing.tracer,
    });
    try {
      const { subscription } = await storeSubscription(repository, sealer, { url: endpoint.url });
      const fanout = new EventFanout({ repository, onNewDeliveries: () => dispatcher.wake(), tracer: tracing.tracer });
      const event = { ...fileUploadedEvent(subscription.ownerId), traceparent: `00-${TRACE_ID}-${PRODUCER_SPAN_ID}-01` };

      const outer = await tracing.tracer.startActiveSpan('process coffer.file.v1', async (span) => {
        await fanout.fanOut([event]);
        span.end();
        return span;
      });
      dispatcher.start();
      await waitFor('two attempts', () => exporter.getFinishedSpans().filter((span) => span.name === 'webhook deliver').length >= 2 || undefined);

      const fanoutSpan = exporter.getFinishedSpans().find((span) => span.name === 'webhook fanout');
      expect(fanoutSpan?.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
      expect(fanoutSpan?.attributes['coffer.webhook.deliveries_created']).toBe(1);

      const attempts = exporter.getFinishedSpans().filter((span) => span.name === 'webhook deliver');
      expect(attempts.map((span) => span.attributes['http.response.status_code'])).toEqual([500, 200]);
      for (const span of attempts) {
        expect(span.kind).toBe(SpanKind.CLIENT);
        expect(span.spanContext().traceId).toBe(TRACE_ID);
        expect(span.parentSpanContext?.spanId).toBe(PRODUCER_SPAN_ID);
        expect(span.attributes).toMatchObject({ 'messaging.message.id': event.id, 'http.request.method': 'POST', 'server.address': '127.0.0.1' });
        // The endpoint's path and query may carry a token: never recorded.
        expect(Object.values(span.attributes)).not.toContain(endpoint.url);
      }
      expect(attempts.map((span) => span.status.code)).toEqual([SpanStatusCode.ERROR, SpanStatusCode.UNSET]);
      expect(attempts.map((span) => span.attributes['http.request.resend_count'])).toEqual([0, 1]);
    } finally {
      await dispatcher.stop();
      sender.close();
      await endpoint.close();
    }
  });
});
