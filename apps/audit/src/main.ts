import { auditV1 } from '@coffer/contracts';
import { createEventBusFromUrl, EmbeddedEventBus, platformEventSchemaRegistry, type EventBus } from '@coffer/events';
import { notImplementedService, runMain, startServiceRuntime } from '@coffer/platform';
import { loadAuditConfig } from './audit-config.js';
import { openAuditResources } from './audit-resources.js';
import { AuditIngestor } from './ingest/audit-ingestor.js';
import { registerIngestorMetrics } from './ingest/ingestor-metrics.js';
import { auditPeerAllowlist } from './peer-allowlist.js';
import { AuditOperations } from './query/audit-operations.js';
import { auditServiceImplementation } from './query/audit-service.js';

/**
 * Entry point of the audit service: the tamper-evident audit trail.
 *
 * Contract: proto/coffer/audit/v1/audit.proto (AuditService), every RPC implemented in
 * query/audit-service.ts (registered through notImplementedService, so an RPC added later
 * answers UNIMPLEMENTED after the peer allowlist).
 *
 * Start-up: config → database (COFFER_DATABASE_URL; checkpoints, and the rows when the store
 * is embedded) → store (COFFER_AUDIT_STORE_URL: ClickHouse or embedded) → migrations of both →
 * key ring → event bus (COFFER_EVENT_BUS_URL) → gRPC server → ingestor (group `audit`, every
 * domain topic). /readyz fails while the store or the database does not answer. Shutdown
 * drains the ingestor (writes the buffered batch, then a signed checkpoint), drains gRPC, then
 * closes the bus, the store and the database.
 */
runMain('audit', async () => {
  const config = loadAuditConfig();
  const registry = platformEventSchemaRegistry();
  // Built with the runtime's tracer and metrics registry (consumer spans, consumer lag), so
  // inside grpcServices, which runs once they exist and before the gRPC server starts.
  let bus: EventBus | undefined;
  let resources: Awaited<ReturnType<typeof openAuditResources>> | undefined;
  try {
    const runtime = await startServiceRuntime({
      name: 'audit',
      config,
      allowlist: auditPeerAllowlist,
      grpcServices: async (deps) => {
        bus = createEventBusFromUrl(config.eventBusUrl, { clientId: 'audit', registry, tracer: deps.tracing.tracer, metricsRegistry: deps.registry, logger: deps.logger.child({ component: 'event-bus' }) });
        const embeddedBus = bus instanceof EmbeddedEventBus ? bus : undefined;
        resources = await openAuditResources(config, deps.logger);
        const operations = new AuditOperations({ store: resources.store, checkpoints: resources.checkpoints, keys: resources.keys, embeddedBus, registry });
        return [notImplementedService(auditV1.AuditServiceService, auditServiceImplementation(operations, deps.logger))];
      },
    });
    const opened = resources;
    const openedBus = bus;
    if (opened === undefined || openedBus === undefined) throw new Error('The audit store or the event bus did not open.');
    runtime.readiness.add('store', () => opened.store.ping());
    runtime.readiness.add('database', () => opened.db.ping());

    if (config.ingest.enabled) {
      const ingestor = new AuditIngestor({
        bus: openedBus,
        store: opened.store,
        checkpoints: opened.checkpoints,
        keys: opened.keys,
        logger: runtime.logger.child({ component: 'audit-ingestor' }),
        metrics: registerIngestorMetrics(runtime.registry),
        tracer: runtime.tracing.tracer,
        ...config.ingest,
      });
      // Not ready until every consumer joined its group; a store or broker that is down meanwhile
      // is waited for instead of taking the service down.
      runtime.readiness.add('event-bus', () => (ingestor.subscribed ? Promise.resolve() : Promise.reject(new Error('The ingestor is not consuming yet.'))));
      runtime.addDrainStep({ name: 'audit-ingestor', run: () => ingestor.stop() });
      ingestor.start().catch((error: unknown) => {
        if (ingestor.stopping) return;
        runtime.logger.fatal({ err: error }, 'the audit ingestor failed to start');
        process.exit(1);
      });
    }
    runtime.addCloseStep({ name: 'event-bus', run: () => openedBus.close() });
    runtime.addCloseStep({ name: 'audit-store', run: () => opened.close() });
    runtime.installSignalHandlers();
  } catch (error) {
    await bus?.close();
    await resources?.close();
    throw error;
  }
});
