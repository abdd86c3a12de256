import { metadataV1 } from '@coffer/contracts';
import { createDatabase, databaseReadinessCheck, migrate } from '@coffer/db';
import { createServiceEventBus } from '@coffer/events';
import { OutboxRelay, registerOutboxBacklogMetrics } from '@coffer/outbox';
import { notImplementedService, runMain, startServiceRuntime } from '@coffer/platform';
import { KnexFileRepository } from './files/file-repository.js';
import { METADATA_SCHEMA, metadataMigrations } from './files/metadata-migrations.js';
import { MetadataOperations, metadataServiceImplementation } from './files/metadata-service.js';
import { loadMetadataConfig } from './metadata-config.js';

import { metadataPeerAllowlist } from './peer-allowlist.js';

/**
 * Entry point of the metadata service: file records and their versions, per-owner usage and
 * quotas, and the events of every change (through the outbox in the `metadata` schema).
 *
 * Contract: proto/coffer/metadata/v1/metadata.proto (MetadataService), every RPC implemented in
 * files/metadata-service.ts. Registered through notImplementedService, so an RPC added to the
 * contract later answers UNIMPLEMENTED through the normal call path (peer allowlist first)
 * until it is implemented here. Only the file service may call it (peer-allowlist.ts).
 *
 * Start-up: config → database (COFFER_DATABASE_URL: PostgreSQL, or embedded PGlite by
 * default) → migrations of the `metadata` schema (before any RPC is served; a failure stops the
 * process) → event bus (COFFER_EVENT_BUS_URL) → gRPC server → outbox relay. /readyz fails while
 * the database does not answer; /metrics carries the outbox backlog. Shutdown stops the relay
 * (after the batch in flight), drains the gRPC server, then closes the bus and the database.
 */
runMain('metadata', async () => {
  const config = loadMetadataConfig();
  const db = await createDatabase(config.databaseUrl, { searchPath: [METADATA_SCHEMA] });
  try {
    const migration = await migrate(db, { schema: METADATA_SCHEMA, migrations: metadataMigrations });
    const repository = new KnexFileRepository(db);
    const runtime = await startServiceRuntime({
      name: 'metadata',
      config,
      allowlist: metadataPeerAllowlist,
      // HealthService comes from the platform.
      grpcServices: (deps) => [
        notImplementedService(metadataV1.MetadataServiceService, metadataServiceImplementation(new MetadataOperations({ repository }), deps.logger)),
      ],
    });
    runtime.logger.info({ database: db.displayUrl, applied: migration.applied }, 'metadata schema migrated');
    runtime.readiness.add('database', databaseReadinessCheck(db));

    const bus = createServiceEventBus(config.eventBusUrl, runtime, 'metadata');
    const relay = new OutboxRelay({
      db,
      tracer: runtime.tracing.tracer,
      schema: METADATA_SCHEMA,
      bus,
      logger: runtime.logger.child({ component: 'outbox-relay' }),
      ...config.outbox,
    });
    registerOutboxBacklogMetrics(runtime.registry, relay, runtime.logger);
    relay.start();
    runtime.addDrainStep({ name: 'outbox-relay', run: () => relay.stop() });
    runtime.addCloseStep({ name: 'event-bus', run: () => bus.close() });
    runtime.addCloseStep({ name: 'database', run: () => db.close() });
    runtime.installSignalHandlers();
  } catch (error) {
    await db.close();
    throw error;
  }
});
