import { webhookV1 } from '@coffer/contracts';
import { createDatabase, databaseReadinessCheck, migrate } from '@coffer/db';
import { createServiceEventBus, peersOfBusUrl, subscribeWithRetry, platformEventSchemaRegistry, platformEventTopics, type Subscription } from '@coffer/events';
import { openKeyRing, SecretSealer } from '@coffer/integrity';
import { OutboxRelay, registerOutboxBacklogMetrics } from '@coffer/outbox';
import { notImplementedService, runMain, startServiceRuntime } from '@coffer/platform';
import { AddressPolicy } from './delivery/address-policy.js';
import { PinnedResolver } from './delivery/pinned-resolver.js';
import { WebhookHttpSender } from './delivery/webhook-http-sender.js';
import { DeliveryDispatcher } from './dispatch/delivery-dispatcher.js';
import { EventFanout } from './dispatch/event-fanout.js';
import { webhookPeerAllowlist } from './peer-allowlist.js';
import { WebhookOperations } from './service/webhook-operations.js';
import { webhookServiceImplementation } from './service/webhook-service.js';
import { WEBHOOK_SCHEMA, webhookMigrations } from './subscriptions/webhook-migrations.js';
import { KnexWebhookRepository } from './subscriptions/webhook-repository.js';
import { loadWebhookConfig } from './webhook-config.js';
import { registerQueueMetrics, WebhookMetrics } from './webhook-metrics.js';

/** The consumer group of the webhook service on Kafka. */
const WEBHOOK_CONSUMER_GROUP = 'webhook';
/**
 * Events of one partition fanned out at once (ADR 0023). Safe because the fan-out is idempotent
 * per (subscription, event) (a unique key, insert … on conflict do nothing) and delivery order
 * is not promised (ADR 0019); bounded, as each fan-out makes two database round trips.
 */
const WEBHOOK_INTAKE_IN_FLIGHT = 64;
/**
 * A fan-out fails only when the database is unavailable (a malformed event is dead-lettered
 * before the handler runs), so the intake keeps retrying instead of dead-lettering after the
 * bus default (5 attempts, ~3 s), which lost the webhooks of events that arrived during a
 * PostgreSQL restart (docs/security/fault-injection.md): 100 attempts, backoff doubling from
 * 1 s to the bus's 10 s cap, ride out an outage of about 16 minutes.
 */
const WEBHOOK_INTAKE_MAX_ATTEMPTS = 100;
const WEBHOOK_INTAKE_RETRY_BACKOFF_MS = 1_000;

/**
 * Entry point of the webhook service: subscriptions, and signed deliveries of platform events
 * to their endpoints (Standard Webhooks), with retries, dead letters and replay.
 *
 * Contract: proto/coffer/webhook/v1/webhook.proto (WebhookService), every RPC implemented in
 * service/webhook-operations.ts.
 *
 * Start-up: config → database (COFFER_DATABASE_URL; PGlite by default) → migrations of the
 * `webhooks` schema → key ring that seals signing secrets → event bus → gRPC server → event
 * intake → dispatch workers → outbox relay (webhook.endpoint_disabled events).
 *
 * Event intake (ADR 0019): with `kafka://…` the service consumes every event topic as group
 * `webhook`; with `peer://…` (make dev) producers forward their events to PublishEvents; with
 * `embedded://` it subscribes to this process's bus. Either way an event becomes delivery rows
 * (the delivery outbox) before it is acknowledged, so a receiver or this service being down
 * delays deliveries and never loses them.
 */
runMain('webhook', async () => {
  const config = loadWebhookConfig();
  const db = await createDatabase(config.databaseUrl, { searchPath: [WEBHOOK_SCHEMA] });
  try {
    const migration = await migrate(db, { schema: WEBHOOK_SCHEMA, migrations: webhookMigrations });
    const repository = new KnexWebhookRepository(db);
    const registry = platformEventSchemaRegistry();
    const addressPolicy = new AddressPolicy({ allow: config.delivery.allowedNetworks });
    const sender = new WebhookHttpSender({
      addressPolicy,
      timeoutMs: config.delivery.timeoutMs,
      maxResponseBytes: config.delivery.maxResponseBytes,
      allowHttp: config.delivery.allowHttp,
    });
    const acceptsPublishedEvents = peersOfBusUrl(config.eventBusUrl) !== undefined;
    let dispatcher: DeliveryDispatcher | undefined;
    const wake = (): void => dispatcher?.wake();
    let fanout: EventFanout | undefined;

    const runtime = await startServiceRuntime({
      name: 'webhook',
      config,
      allowlist: webhookPeerAllowlist,
      grpcServices: async (deps) => {
        const sealer = new SecretSealer(await openKeyRing(config.keysFile, 'webhook secret key ring', deps.logger));
        fanout = new EventFanout({ repository, onNewDeliveries: wake, tracer: deps.tracing.tracer });
        const operations = new WebhookOperations({
          repository,
          sealer,
          fanout,
          resolver: new PinnedResolver({ policy: addressPolicy }),
          registry,
          acceptsPublishedEvents,
          allowHttp: config.delivery.allowHttp,
          maxSubscriptionsPerUser: config.maxSubscriptionsPerUser,
          onQueued: wake,
        });
        const metrics = new WebhookMetrics(deps.registry);
        dispatcher = new DeliveryDispatcher({
          repository,
          transport: sender,
          sealer,
          metrics,
          logger: deps.logger.child({ component: 'dispatcher' }),
          scheduleMs: config.delivery.scheduleMs,
          concurrency: config.delivery.concurrency,
          pollIntervalMs: config.delivery.pollIntervalMs,
          leaseMs: config.delivery.timeoutMs + 60_000,
          disableAfterMs: config.delivery.disableAfterMs,
          tracer: deps.tracing.tracer,
        });
        return [notImplementedService(webhookV1.WebhookServiceService, webhookServiceImplementation(operations, deps.logger))];
      },
    });
    runtime.logger.info({ database: db.displayUrl, applied: migration.applied, event_intake: acceptsPublishedEvents ? 'PublishEvents' : 'bus' }, 'webhooks schema migrated');
    runtime.readiness.add('database', databaseReadinessCheck(db));
    registerQueueMetrics(runtime.registry, () => repository.queueStats(new Date()), runtime.logger);

    const bus = createServiceEventBus(config.eventBusUrl, runtime, 'webhook');
    runtime.addCloseStep({ name: 'event-bus', run: () => bus.close() });
    let intake: Subscription | undefined;
    const intakeFanout = fanout;
    if (intakeFanout === undefined) throw new Error('The webhook service did not start its gRPC services.');
    if (!acceptsPublishedEvents) {
      // A broker that is down is waited for (the service stays up, not ready); events published
      // meanwhile are consumed from the group's committed offsets once it is back.
      const stopping = new AbortController();
      runtime.readiness.add('event-intake', () => (intake === undefined ? Promise.reject(new Error('Not consuming events yet.')) : Promise.resolve()));
      runtime.addDrainStep({ name: 'event-intake', run: () => (stopping.abort(), intake?.stop() ?? Promise.resolve()) });
      subscribeWithRetry(
        bus,
        { group: WEBHOOK_CONSUMER_GROUP, topics: platformEventTopics(bus.topicNamespace), maxInFlight: WEBHOOK_INTAKE_IN_FLIGHT, maxAttempts: WEBHOOK_INTAKE_MAX_ATTEMPTS, retryBackoffMs: WEBHOOK_INTAKE_RETRY_BACKOFF_MS, handler: async (event) => void (await intakeFanout.fanOut([event])) },
        { logger: runtime.logger, signal: stopping.signal },
      ).then(
        (subscription) => (intake = subscription),
        (error: unknown) => {
          if (!stopping.signal.aborted) runtime.logger.error({ err: error }, 'subscribing to the event bus stopped');
        },
      );
    }

    dispatcher?.start();
    runtime.addDrainStep({ name: 'dispatcher', run: async () => (await dispatcher?.stop(), sender.close()) });

    const relay = new OutboxRelay({ db, schema: WEBHOOK_SCHEMA, bus, logger: runtime.logger.child({ component: 'outbox-relay' }), tracer: runtime.tracing.tracer, ...config.outbox });
    registerOutboxBacklogMetrics(runtime.registry, relay, runtime.logger);
    relay.start();
    runtime.addDrainStep({ name: 'outbox-relay', run: () => relay.stop() });
    runtime.addCloseStep({ name: 'database', run: () => db.close() });
    runtime.installSignalHandlers();
  } catch (error) {
    await db.close();
    throw error;
  }
});
