import autocannon from 'autocannon';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import type { BenchResult } from '../bench-result.js';
import type { PipelineContext } from '../harness/bench-platform.js';
import { median } from '../stats/statistics.js';
import { histogramDelta, histogramQuantile, latencySummary, parseHistogramBuckets, steadyRate, sumOfSeries, type ArrivalSample } from './arrival-stats.js';
import { benchEventTopic, BenchEventFactory, kafkaMessageOf } from './bench-events.js';
import { endChild, forkReady, request } from './child-process.js';
import { foreignMembersWarning } from './consumer-groups.js';
import { consumerGroupId, kafkaBrokersOf } from './engine-urls.js';
import { produceAsFastAsPossible, producePaced } from './kafka-load.js';
import type { PipelineSettings } from './pipeline-settings.js';
import { profileDuring, profileNoteOf } from './remote-cpu-profiler.js';
import { cpuShareDuring, scrapeMetrics } from './service-probes.js';
import type { ReceiverReport } from './webhook-receiver-process.js';

/**
 * Endpoints each event is delivered to: one user's subscriptions, all on the local receiver.
 * More than one so the dispatch workers, not the one-event-at-a-time intake, are what is
 * measured first; the report says so.
 */
const FAN_OUT = 4;
/** The webhook service's default COFFER_WEBHOOK_CONCURRENCY. */
const DEFAULT_CONCURRENCY = 16;

interface Receiver {
  readonly url: string;
  reset(): Promise<void>;
  report(): Promise<ReceiverReport>;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const { child, ready } = await forkReady<{ kind: 'ready'; port: number }>('webhook-receiver-process');
  return {
    url: `http://127.0.0.1:${ready.port}`,
    reset: () => {
      child.send({ kind: 'reset' });
      return Promise.resolve();
    },
    report: () => request<ReceiverReport>(child, { kind: 'report' }, 'report'),
    close: () => endChild(child),
  };
}

/** Waits until the receiver has `expected` requests, or `timeoutMs` passed; answers its report. */
async function receivedAtLeast(receiver: Receiver, expected: number, timeoutMs: number): Promise<ReceiverReport> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = await receiver.report();
    if (report.arrivalsMs.length >= expected || Date.now() > deadline) return report;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Arrival times as (time, running count) samples for {@link steadyRate}. */
function arrivalSamples(arrivalsMs: readonly number[]): ArrivalSample[] {
  const sorted = [...arrivalsMs].sort((a, b) => a - b);
  return [{ atMs: sorted[0] ?? 0, count: 0 }, ...sorted.map((atMs, index) => ({ atMs, count: index + 1 }))];
}

async function gatewayCall(ctx: PipelineContext, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> | undefined }> {
  const response = await fetch(`${ctx.gatewayUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
}

/**
 * Item 7: webhook deliveries per second to a local receiver, and p99 dispatch lag.
 *
 * Coffer: one user with {@link FAN_OUT} subscriptions (POST /v1/webhooks) to a receiver in its
 * own process; `file.uploaded` events for that user published straight to the platform's file topic (`<namespace>.file.v1`)
 * (what the file service's outbox relay does after an upload). Rate: a backlog of events
 * drained by the webhook service (intake group `webhook` → delivery rows → dispatch workers),
 * the steady rate of deliveries arriving between 10 % and 90 %. Lag: a paced load at half that
 * rate, receipt − event time at the receiver (p50/p99), and the service's own
 * `webhook_dispatch_lag_seconds` (delivery written → first attempt) over the same runs.
 *
 * Baseline, same run: the receiver's own capacity — autocannon POSTing the same body from this
 * process over as many connections as the service has workers.
 */
export async function benchWebhookDeliveries(ctx: PipelineContext, settings: PipelineSettings): Promise<BenchResult[]> {
  const brokers = kafkaBrokersOf(ctx.env['COFFER_EVENT_BUS_URL']);
  const topic = benchEventTopic(ctx.env['COFFER_EVENT_BUS_URL']);
  const concurrency = Number(ctx.env['COFFER_WEBHOOK_CONCURRENCY'] ?? DEFAULT_CONCURRENCY);
  const kafka = new Kafka({ clientId: 'coffer-bench-webhooks', brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  const receiver = await startReceiver();
  await producer.connect();
  const subscriptionIds: string[] = [];
  const owner = await ctx.signUp(`bench-webhooks-${Date.now()}@example.com`);
  try {
    for (let i = 0; i < FAN_OUT; i += 1) {
      const created = await gatewayCall(ctx, owner.accessToken, 'POST', '/v1/webhooks', { url: `${receiver.url}/hooks/${i}`, eventTypes: ['file.uploaded'], description: `bench ${i}` });
      if (created.status !== 201) throw new Error(`POST /v1/webhooks answered ${created.status}: ${JSON.stringify(created.json)} (the runner must set COFFER_WEBHOOK_ALLOWED_NETWORKS=127.0.0.0/8 and COFFER_WEBHOOK_ALLOW_HTTP=true)`);
      subscriptionIds.push(String((created.json?.['webhook'] as { id?: unknown } | undefined)?.id));
    }
    const factory = new BenchEventFactory(owner.userId);
    const webhookOps = ctx.platform.ports.webhook.ops;
    const webhookPid = ctx.platform.process('webhook').pid;
    const sharedGroup = await foreignMembersWarning(kafka, consumerGroupId('webhook', ctx.env['COFFER_EVENT_BUS_URL']), 1);
    if (sharedGroup !== undefined) ctx.log(`webhooks: WARNING ${sharedGroup}`);

    const drain = async (events: number, timeoutMs: number): Promise<{ rate: number; peakQueue: number }> => {
      await receiver.reset();
      let peakQueue = 0;
      let watching = true;
      const queueWatch = (async () => {
        while (watching) {
          peakQueue = Math.max(peakQueue, sumOfSeries(await scrapeMetrics(webhookOps), 'webhook_queue_depth'));
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      })();
      await produceAsFastAsPossible(producer, topic, () => factory.next(), events, 500, 2);
      const report = await receivedAtLeast(receiver, events * FAN_OUT, timeoutMs);
      watching = false;
      await queueWatch;
      return { rate: steadyRate(arrivalSamples(report.arrivalsMs), Math.max(1, report.arrivalsMs.length)), peakQueue };
    };

    // Warm-up and probe: connections, prepared plans, the consumer's fetch loop; sizes the backlog.
    const probeEvents = settings.quick ? 50 : 150;
    const probe = await drain(probeEvents, 60_000);
    ctx.log(`webhooks: probe ${probe.rate.toFixed(0)} deliveries/s`);
    const guess = Number.isFinite(probe.rate) && probe.rate > 0 ? probe.rate : 200;
    const backlogEvents = Math.min(50_000, Math.max(100, Math.round((guess * settings.webhookSeconds) / FAN_OUT)));

    const metricsBefore = await scrapeMetrics(webhookOps);
    const { result: drains, coreShare: webhookCpu } = await cpuShareDuring(webhookPid, async () => {
      const runs: { rate: number; peakQueue: number }[] = [];
      for (let i = 0; i < settings.repetitions; i += 1) {
        runs.push(await drain(backlogEvents, Math.max(60_000, ((backlogEvents * FAN_OUT) / guess) * 4_000)));
        ctx.log(`webhooks: drain ${i + 1}: ${runs.at(-1)?.rate.toFixed(0)} deliveries/s, peak queue ${runs.at(-1)?.peakQueue}`);
      }
      return runs;
    });
    const metricsAfterDrains = await scrapeMetrics(webhookOps);
    // One more drain, not counted, under a CPU profile of the webhook service.
    const profiled = await profileDuring(webhookPid, 'webhook', () => drain(backlogEvents, Math.max(60_000, ((backlogEvents * FAN_OUT) / guess) * 4_000)));
    const profileNote = profileNoteOf('webhook', profiled);
    ctx.log(`webhooks: ${profileNote}`);
    const rate = median(drains.map((run) => run.rate));

    // Lag at half the sustained rate.
    const offeredEvents = Math.max(1, Math.round((Number.isFinite(rate) ? rate : guess) / 2 / FAN_OUT));
    const lagRuns: { p50: number; p99: number; histogramP99: number }[] = [];
    for (let i = 0; i < settings.repetitions; i += 1) {
      await receiver.reset();
      const before = parseHistogramBuckets(await scrapeMetrics(webhookOps), 'webhook_dispatch_lag_seconds');
      const committed = await producePaced(producer, topic, () => factory.next(), offeredEvents, settings.latencySeconds);
      const report = await receivedAtLeast(receiver, committed.size * FAN_OUT, 30_000);
      const after = parseHistogramBuckets(await scrapeMetrics(webhookOps), 'webhook_dispatch_lag_seconds');
      const summary = latencySummary(report.lagsMs);
      lagRuns.push({ p50: summary.p50, p99: summary.p99, histogramP99: histogramQuantile(histogramDelta(before, after), 0.99) * 1_000 });
      ctx.log(`webhooks: lag ${i + 1} at ${offeredEvents * FAN_OUT} deliveries/s: p50 ${summary.p50.toFixed(0)} ms, p99 ${summary.p99.toFixed(0)} ms (service histogram p99 ≈ ${lagRuns.at(-1)?.histogramP99.toFixed(0)} ms)`);
    }

    // Checked again: a platform that joined mid-run took partitions from this one's intake.
    const sharedGroupLater = sharedGroup ?? (await foreignMembersWarning(kafka, consumerGroupId('webhook', ctx.env['COFFER_EVENT_BUS_URL']), 1));
    if (sharedGroupLater !== undefined && sharedGroup === undefined) ctx.log(`webhooks: WARNING ${sharedGroupLater}`);

    // Baseline: the receiver's capacity for the same request from one process.
    const body = kafkaMessageOf(factory.next()).value?.toString() ?? '{}';
    const baselineRuns: { rate: number; p50: number; p99: number }[] = [];
    await runAutocannon(receiver.url, body, concurrency, 1);
    for (let i = 0; i < settings.repetitions; i += 1) {
      const result = await runAutocannon(receiver.url, body, concurrency, Math.min(settings.webhookSeconds, 5));
      baselineRuns.push({ rate: result.requests.total / (result.duration || 1), p50: result.latency.p50, p99: result.latency.p99 });
      ctx.log(`webhooks: baseline ${i + 1}: ${baselineRuns.at(-1)?.rate.toFixed(0)} req/s, p99 ${result.latency.p99} ms`);
    }

    const attempts = sumOfSeries(metricsAfterDrains, 'webhook_deliveries_total') - sumOfSeries(metricsBefore, 'webhook_deliveries_total');
    const attemptSeconds = sumOfSeries(metricsAfterDrains, 'webhook_delivery_duration_seconds_sum') - sumOfSeries(metricsBefore, 'webhook_delivery_duration_seconds_sum');
    const peakQueue = Math.max(...drains.map((run) => run.peakQueue));
    const baselineName = `the receiver's own capacity: autocannon POSTing the same CloudEvent body from one process, ${concurrency} connections (the service's worker count)`;
    const setup = `${FAN_OUT} subscriptions of one user on a local receiver (its own process, answers 204, no signature check); file.uploaded events published to the platform's file topic (<namespace>.file.v1) for that user, each delivered ${FAN_OUT} times; COFFER_WEBHOOK_CONCURRENCY=${concurrency}. Backlog per drain: ${backlogEvents} events (${backlogEvents * FAN_OUT} deliveries); ${settings.repetitions} repetitions after a ${probeEvents}-event warm-up.`;
    const where = [
      `During the drains the webhook process used ${(webhookCpu * 100).toFixed(0)} % of one core; ${attempts} attempts averaged ${((attemptSeconds / Math.max(1, attempts)) * 1_000).toFixed(1)} ms each on the wire (request sent → response read); the queue of due deliveries peaked at ${peakQueue}.`,
      peakQueue < backlogEvents * FAN_OUT * 0.1
        ? 'The due queue stayed short: deliveries are dispatched about as fast as the intake writes them, so the intake (one kafkajs consumer handling one event at a time: subscriptions SELECT, deliveries INSERT, offset commit) is what limits the rate.'
        : 'The due queue grew: the dispatch workers are what limits the rate (per delivery: a claim transaction shared by up to the worker count, an HMAC signature, the POST, and a two-UPDATE transaction recording the success).',
    ];
    return [
      {
        id: 'webhook-deliveries-rate',
        section: 7,
        title: 'Webhooks: deliveries per second to a local receiver',
        coffer: { unit: 'deliveries/s', samples: drains.map((run) => run.rate) },
        baseline: { name: baselineName, series: { unit: 'req/s', samples: baselineRuns.map((run) => run.rate) } },
        higherIsBetter: true,
        target: { kind: 'at-least', value: 2_000, unit: 'deliveries/s' },
        notes: [setup, ...where, profileNote, ...(sharedGroupLater === undefined ? [] : [sharedGroupLater])],
      },
      {
        id: 'webhook-dispatch-lag-p99',
        section: 7,
        title: `Webhooks: p99 dispatch lag, event committed → delivery received (at ${offeredEvents * FAN_OUT} deliveries/s)`,
        coffer: { unit: 'ms', samples: lagRuns.map((run) => run.p99) },
        baseline: { name: `${baselineName}: p99 request latency`, series: { unit: 'ms', samples: baselineRuns.map((run) => run.p99) } },
        higherIsBetter: false,
        notes: [
          `p50 receipt − event time: ${lagRuns.map((run) => run.p50.toFixed(0)).join(', ')} ms. The service's webhook_dispatch_lag_seconds (delivery row written → first attempt started) gives p99 ≈ ${lagRuns.map((run) => run.histogramP99.toFixed(0)).join(', ')} ms (interpolated in its buckets).`,
          `Offered: ${offeredEvents} events/s × ${FAN_OUT} subscriptions, half the sustained rate, for ${settings.latencySeconds} s per repetition.`,
        ],
      },
    ];
  } finally {
    for (const id of subscriptionIds) await gatewayCall(ctx, owner.accessToken, 'DELETE', `/v1/webhooks/${id}`).catch(() => undefined);
    await producer.disconnect();
    await receiver.close();
  }
}

function runAutocannon(url: string, body: string, connections: number, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: `${url}/hooks/baseline`,
    method: 'POST',
    connections,
    duration: seconds,
    body,
    headers: { 'content-type': 'application/json', 'webhook-id': 'msg_baseline', 'webhook-timestamp': '0', 'webhook-signature': 'v1,baseline' },
  });
}

