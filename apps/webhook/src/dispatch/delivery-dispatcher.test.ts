import type { Database } from '@coffer/db';
import type { SecretSealer } from '@coffer/integrity';
import { createMetricsRegistry } from '@coffer/platform';
import type { Registry } from 'prom-client';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AddressPolicy } from '../delivery/address-policy.js';
import { WebhookHttpSender } from '../delivery/webhook-http-sender.js';
import { KnexWebhookRepository, type DeliveryRecord } from '../subscriptions/webhook-repository.js';
import { WebhookMetrics } from '../webhook-metrics.js';
import {
  clearWebhooks,
  metricValue,
  openMigratedPglite,
  outboxEvents,
  PGLITE_START_TIMEOUT_MS,
  queueDelivery,
  silentLogger,
  startReceiver,
  storeSubscription,
  TestClock,
  testSealer,
  waitFor,
  type ReceivedRequest,
  type TestReceiver,
} from '../webhook-test.fixture.js';
import { DeliveryDispatcher, type DeliveryDispatcherOptions } from './delivery-dispatcher.js';
import { parseRetrySchedule } from './retry-schedule.js';

// Generous for a loaded 2-core machine: a 150 ms answer must never be mistaken for a timeout.
const TIMEOUT_MS = 3_000;

let db: Database;
let repository: KnexWebhookRepository;
let sealer: SecretSealer;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  db = await openMigratedPglite();
  repository = new KnexWebhookRepository(db);
  sealer = testSealer();
}, PGLITE_START_TIMEOUT_MS);

afterAll(async () => {
  await db.close();
});

beforeEach(async () => {
  await clearWebhooks(db);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(answer?: Parameters<typeof startReceiver>[0]): Promise<TestReceiver> {
  const started = await startReceiver(answer);
  cleanups.push(() => started.close());
  return started;
}

interface RunningDispatcher {
  readonly dispatcher: DeliveryDispatcher;
  readonly registry: Registry;
}

/** A started dispatcher over the real sender (127.0.0.0/8 allowed, http allowed, 300 ms deadline); stopped after the test. */
function startDispatcher(overrides: Partial<DeliveryDispatcherOptions> = {}): RunningDispatcher {
  const registry = createMetricsRegistry('test');
  const sender = new WebhookHttpSender({ addressPolicy: new AddressPolicy({ allow: ['127.0.0.0/8'] }), allowHttp: true, timeoutMs: TIMEOUT_MS });
  const dispatcher = new DeliveryDispatcher({
    repository,
    transport: sender,
    sealer,
    metrics: new WebhookMetrics(registry),
    logger: silentLogger(),
    scheduleMs: parseRetrySchedule('0,50ms,100ms'),
    concurrency: 8,
    pollIntervalMs: 20,
    // Long enough that a loaded machine never sees a lease run out mid-attempt (that would send twice, by design).
    leaseMs: 60_000,
    disableAfterMs: 60_000,
    random: () => 0.5,
    ...overrides,
  });
  dispatcher.start();
  cleanups.push(async () => {
    await dispatcher.stop();
    sender.close();
  });
  return { dispatcher, registry };
}

async function deliveryOf(id: string): Promise<DeliveryRecord> {
  const delivery = await repository.getDelivery(id);
  if (delivery === undefined) throw new Error(`delivery ${id} is gone`);
  return delivery;
}

function until(id: string, status: 'succeeded' | 'dead', timeoutMs?: number): Promise<DeliveryRecord> {
  return waitFor(`delivery ${id} to be ${status}`, async () => {
    const delivery = await deliveryOf(id);
    return delivery.status === status ? delivery : undefined;
  }, timeoutMs);
}

function headersOf(request: ReceivedRequest): Record<string, string> {
  const pick = (name: string): string => {
    const value = request.headers[name];
    if (typeof value !== 'string') throw new Error(`no ${name} header`);
    return value;
  };
  return { 'webhook-id': pick('webhook-id'), 'webhook-timestamp': pick('webhook-timestamp'), 'webhook-signature': pick('webhook-signature') };
}

/** Whether the official standardwebhooks verifier accepts the request with this secret. */
function verifies(secret: string, request: ReceivedRequest): boolean {
  try {
    new Webhook(secret).verify(request.body, headersOf(request));
    return true;
  } catch {
    return false;
  }
}

describe('DeliveryDispatcher: success', () => {
  it('delivers the stored payload, signed so that the standardwebhooks package verifies it, and counts a success', async () => {
    const endpoint = await receiver();
    const { subscription, secret } = await storeSubscription(repository, sealer, { url: endpoint.url });
    const queued = await queueDelivery(repository, subscription);
    const { registry } = startDispatcher();

    const delivered = await until(queued.id, 'succeeded');
    const [request] = endpoint.requests;
    if (request === undefined) throw new Error('nothing arrived');
    expect(endpoint.requests).toHaveLength(1);
    expect(request.body).toBe(queued.payload);
    expect(request.headers['webhook-id']).toBe(queued.id);
    expect(request.headers['content-type']).toBe('application/json');
    expect(verifies(secret, request)).toBe(true);
    expect(verifies('whsec_' + Buffer.alloc(32, 1).toString('base64'), request)).toBe(false);
    expect(delivered).toMatchObject({ attempts: 1, lastStatusCode: 204, lastError: undefined });
    expect(delivered.completedAt).toBeInstanceOf(Date);
    expect(await metricValue(registry, 'webhook_deliveries_total', { outcome: 'succeeded' })).toBe(1);
    expect(await metricValue(registry, 'webhook_deliveries_total', { outcome: 'failed' })).toBe(0);
  });

  it('retries a 500 with the same webhook-id and succeeds on the 200 that follows', async () => {
    const endpoint = await receiver((_request, index) => ({ status: index === 0 ? 500 : 200 }));
    const { subscription, secret } = await storeSubscription(repository, sealer, { url: endpoint.url });
    const queued = await queueDelivery(repository, subscription);
    const { registry } = startDispatcher();

    const delivered = await until(queued.id, 'succeeded');
    expect(endpoint.requests).toHaveLength(2);
    expect(endpoint.requests.map((request) => request.headers['webhook-id'])).toEqual([queued.id, queued.id]);
    expect(endpoint.requests.every((request) => request.body === queued.payload && verifies(secret, request))).toBe(true);
    expect(delivered).toMatchObject({ attempts: 2, lastStatusCode: 200 });
    expect(await metricValue(registry, 'webhook_deliveries_total', { outcome: 'failed' })).toBe(1);
    expect(await metricValue(registry, 'webhook_deliveries_total', { outcome: 'succeeded' })).toBe(1);
  });

  it('delivers 50 deliveries to one receiver exactly once each, at most 8 at a time', async () => {
    const endpoint = await receiver(() => ({ status: 200, delayMs: 20 }));
    const { subscription } = await storeSubscription(repository, sealer, { url: endpoint.url });
    const queued: DeliveryRecord[] = [];
    for (let index = 0; index < 50; index++) queued.push(await queueDelivery(repository, subscription));
    // A generous deadline: with the usual 300 ms a loaded machine can time out a request the
    // receiver did get, and the retry is then a (correct, at-least-once) second request.
    const patient = new WebhookHttpSender({ addressPolicy: new AddressPolicy({ allow: ['127.0.0.0/8'] }), allowHttp: true, timeoutMs: 15_000 });
    cleanups.push(() => patient.close());
    const { registry } = startDispatcher({ concurrency: 8, transport: patient });

    await waitFor('50 successes', async () => (await metricValue(registry, 'webhook_deliveries_total', { outcome: 'succeeded' })) === 50, 30_000);
    const ids = endpoint.requests.map((request) => request.headers['webhook-id']);
    expect(ids).toHaveLength(50);
    expect(new Set(ids)).toEqual(new Set(queued.map((delivery) => delivery.id)));
    expect(endpoint.load.max).toBeLessThanOrEqual(8);
    expect(endpoint.load.max).toBeGreaterThan(1);
    for (const delivery of queued) expect((await deliveryOf(delivery.id)).status).toBe('succeeded');
  }, 60_000);

  it('stop() resolves only once the attempt in flight is recorded', async () => {
    const endpoint = await receiver(() => ({ status: 200, delayMs: 150 }));
    const { subscription } = await storeSubscription(repository, sealer, { url: endpoint.url });
    const queued = await queueDelivery(repository, subscription);
    const { dispatcher } = startDispatcher();

    await waitFor('the request to arrive', () => endpoint.requests.length === 1);
    expect((await deliveryOf(queued.id)).status).toBe('pending');
    await dispatcher.stop();
    expect((await deliveryOf(queued.id)).status).toBe('succeeded');
  });
});

describe('DeliveryDispatcher: failures and retries', () => {
  it('records a success after a failed attempt and clears the endpoint\'s failing state', async () => {
    let answered = 0;
    const endpoint = await receiver(() => (answered++ === 0 ? { status: 500 } : { status: 204 }));
    const { subscription } = await storeSubscription(repository, sealer, { url: endpoint.url });
    const queued = await queueDelivery(repository, subscription);
    startDispatcher({ scheduleMs: parseRetrySchedule('0,50ms,100ms') });

    const delivered = await until(queued.id, 'succeeded');
    expect(delivered).toMatchObject({ attempts: 2, lastStatusCode: 204, lastError: undefined });
    expect(delivered.completedAt).toBeInstanceOf(Date);
    expect(endpoint.requests).toHaveLength(2);
    expect((await repository.getSubscription(subscription.id))?.failingSince).toBeUndefined();
  });

  it("never schedules the next attempt sooner than the receiver's Retry-After", async () => {
    const endpoint = await receiver(() => ({ status: 503, headers: { 'retry-after': '1' } }));
    const { subscription } = await storeSubscription(repository, sealer, { url: endpoint.url });
    const queued = await queueDelivery(repository, subscription);
    // Retry-After is capped at the schedule's longest delay: keep that above 1 s.
    startDispatcher({ scheduleMs: parseRetrySchedule('0,50ms,2s') });

    const failed = await waitFor('the first attempt to be recorded', async () => {
      const delivery = await deliveryOf(queued.id);
      return delivery.attempts === 1 ? delivery : undefined;
    });
    const [request] = endpoint.requests;
    if (request === undefined) throw new Error('nothing arrived');
    expect(failed).toMatchObject({ status: 'pending', lastStatusCode: 503 });
    const delayMs = failed.nextAttemptAt.getTime() - request.receivedAt;
    // The schedule alone would say 50 ms.
    expect(delayMs).toBeGreaterThanOrEqual(1_000);
    // Retry-After (1 s) plus jitter and the time to record the attempt on a busy machine.
    expect(delayMs).toBeLessThan(2_000);
  });

  it('records a receiver slower than the deadline as a timeout and tries it again', async () => {
    const endpoint = await receiver(() => ({ status: 200, delayMs: 2 * TIMEOUT_MS }));
    const { subscription } = await storeSubscription(repository, sealer, { url: endpoint.url });
    const queued = await queueDelivery(repository, subscription);
    const { registry } = startDispatcher();

    const retried = await waitFor('two timed-out attempts', async () => {
      const delivery = await deliveryOf(queued.id);
      return delivery.attempts >= 2 ? delivery : undefined;
    });
    expect(endpoint.requests.length).toBeGreaterThanOrEqual(2);
    expect(retried.status).not.toBe('succeeded');
    expect(retried.lastStatusCode).toBeUndefined();
    expect(retried.lastError).toMatch(/^timeout: /);
    expect(await metricValue(registry, 'webhook_deliveries_total', { outcome: 'failed' })).toBeGreaterThanOrEqual(1);
    expect(await metricValue(registry, 'webhook_deliveries_total', { outcome: 'succeeded' })).toBe(0);
  });

  it('makes a delivery dead once the schedule is used up', async () => {
    const endpoint = await receiver(() => ({ status: 500 }));
    const { subscription } = await storeSubscription(repository, sealer, { url: endpoint.url });
    const queued = await queueDelivery(repository, subscription);
    const { registry } = startDispatcher();

    const dead = await until(queued.id, 'dead');
    expect(dead).toMatchObject({ attempts: 3, lastStatusCode: 500, lastError: 'The endpoint answered 500.' });
    expect(dead.completedAt).toBeInstanceOf(Date);
    expect(endpoint.requests).toHaveLength(3);
    expect(await metricValue(registry, 'webhook_deliveries_total', { outcome: 'failed' })).toBe(2);
    expect(await metricValue(registry, 'webhook_deliveries_total', { outcome: 'dead' })).toBe(1);
    // Dead is final: nothing more is sent.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(endpoint.requests).toHaveLength(3);
  });

  it('does not follow a 301 redirect and counts it as a failure', async () => {
    const target = await receiver();
    const endpoint = await receiver(() => ({ status: 301, headers: { location: target.url } }));
    const { subscription } = await storeSubscription(repository, sealer, { url: endpoint.url });
    const queued = await queueDelivery(repository, subscription);
    const { registry } = startDispatcher();

    const dead = await until(queued.id, 'dead');
    expect(dead).toMatchObject({ attempts: 3, lastStatusCode: 301 });
    expect(endpoint.requests).toHaveLength(3);
    expect(target.requests).toHaveLength(0);
    expect(await metricValue(registry, 'webhook_deliveries_total', { outcome: 'succeeded' })).toBe(0);
  });
});

describe('DeliveryDispatcher: disabling endpoints', () => {
  it('disables an endpoint that answers 410 Gone, kills its other pending deliveries and writes one endpoint_disabled event', async () => {
    const gone = await receiver(() => ({ status: 410 }));
    const healthy = await receiver();
    const { subscription } = await storeSubscription(repository, sealer, { url: gone.url });
    const other = await storeSubscription(repository, sealer, { url: healthy.url });
    const later = new Date(Date.now() + 3_600_000);
    const first = await queueDelivery(repository, subscription);
    const waiting = await queueDelivery(repository, subscription, later);
    const othersWaiting = await queueDelivery(repository, other.subscription, later);
    const { registry } = startDispatcher();

    const disabled = await waitFor('the subscription to be disabled', async () => {
      const current = await repository.getSubscription(subscription.id);
      return current?.enabled === false ? current : undefined;
    });
    expect(disabled.disabledReason).toBe('gone');
    expect(await deliveryOf(first.id)).toMatchObject({ status: 'dead', attempts: 1, lastStatusCode: 410 });
    const killed = await deliveryOf(waiting.id);
    expect(killed).toMatchObject({ status: 'dead', attempts: 0 });
    expect(killed.lastError).toMatch(/endpoint (was )?disabled/);
    expect((await deliveryOf(othersWaiting.id)).status).toBe('pending');
    expect((await repository.getSubscription(other.subscription.id))?.enabled).toBe(true);
    expect(gone.requests).toHaveLength(1);

    const events = await outboxEvents(db);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'webhook.endpoint_disabled',
      subject: subscription.id,
      data: { subscriptionId: subscription.id, ownerId: subscription.ownerId, url: gone.url, reason: 'gone', lastStatusCode: 410 },
    });
    expect(await metricValue(registry, 'webhook_deliveries_total', { outcome: 'gone' })).toBe(1);
    expect(await metricValue(registry, 'webhook_endpoints_disabled_total', { reason: 'gone' })).toBe(1);
  });

  it('disables an endpoint that has failed for longer than disableAfterMs', async () => {
    const endpoint = await receiver(() => ({ status: 500 }));
    const { subscription } = await storeSubscription(repository, sealer, { url: endpoint.url });
    const queued = await queueDelivery(repository, subscription);
    const clock = new TestClock();
    // The second attempt is 10 s away on the clock: it only comes when the test moves the clock.
    const { registry } = startDispatcher({ clock: clock.now, scheduleMs: parseRetrySchedule('0,10s,10s,10s'), disableAfterMs: 60_000 });

    await waitFor('the first attempt to be recorded', async () => (await deliveryOf(queued.id)).attempts === 1);
    const failing = await repository.getSubscription(subscription.id);
    expect(failing?.enabled).toBe(true);
    expect(failing?.failingSince).toBeInstanceOf(Date);

    clock.advance(61_000);
    const disabled = await waitFor('the subscription to be disabled', async () => {
      const current = await repository.getSubscription(subscription.id);
      return current?.enabled === false ? current : undefined;
    });
    expect(disabled.disabledReason).toBe('failing');
    expect(endpoint.requests).toHaveLength(2);
    expect((await deliveryOf(queued.id)).status).toBe('dead');
    const events = await outboxEvents(db);
    expect(events).toHaveLength(1);
    expect(events[0]?.data).toMatchObject({ reason: 'failing', lastStatusCode: 500, failingSince: failing?.failingSince?.toISOString() });
    expect(await metricValue(registry, 'webhook_endpoints_disabled_total', { reason: 'failing' })).toBe(1);
  });
});

describe('DeliveryDispatcher: secret rotation', () => {
  it('signs with the new and the previous secret during the overlap, and with the new one only after it', async () => {
    const endpoint = await receiver();
    const { subscription, secret: oldSecret } = await storeSubscription(repository, sealer, { url: endpoint.url });
    const newSecret = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
    await repository.updateSubscription(
      subscription.id,
      { sealedSecret: sealer.seal(newSecret, subscription.id), sealedPreviousSecret: subscription.sealedSecret, previousSecretExpiresAt: new Date(Date.now() + 3_600_000) },
      new Date(),
    );
    const { dispatcher } = startDispatcher();

    const during = await queueDelivery(repository, subscription);
    await until(during.id, 'succeeded');
    const [overlap] = endpoint.requests;
    if (overlap === undefined) throw new Error('nothing arrived');
    expect(headersOf(overlap)['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(verifies(newSecret, overlap)).toBe(true);
    expect(verifies(oldSecret, overlap)).toBe(true);

    await repository.updateSubscription(subscription.id, { previousSecretExpiresAt: new Date(Date.now() - 1_000) }, new Date());
    const after = await queueDelivery(repository, subscription);
    dispatcher.wake();
    await until(after.id, 'succeeded');
    const expired = endpoint.requests[1];
    if (expired === undefined) throw new Error('nothing arrived');
    expect(headersOf(expired)['webhook-signature']?.split(' ')).toHaveLength(1);
    expect(verifies(newSecret, expired)).toBe(true);
    expect(verifies(oldSecret, expired)).toBe(false);
  });
});
