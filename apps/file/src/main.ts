import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileV1, metadataV1, policyV1 } from '@coffer/contracts';
import { createDatabase, databaseReadinessCheck, migrate } from '@coffer/db';
import { createServiceEventBus } from '@coffer/events';
import { createObjectStoreFromUrl } from '@coffer/object-storage';
import { OutboxRelay, outboxMigration, registerOutboxBacklogMetrics } from '@coffer/outbox';
import { notImplementedService, PeriodicJob, runMain, startServiceRuntime } from '@coffer/platform';
import { GrpcAccessPolicy } from './collaborators/access-policy.js';
import { GrpcFileRecords } from './collaborators/file-records.js';
import { loadContentKeyRing, resolveObjectStoreUrl } from './content-keys.js';
import { FILE_OUTBOX_SCHEMA, OutboxFileEventSink } from './events/file-event-sink.js';
import { createFileServiceApp } from './file-service-app.js';
import { loadFileConfig } from './file-config.js';
import { filePeerAllowlist } from './peer-allowlist.js';

/**
 * Entry point of the file service: the gateway's single entry to files (docs/services/file.md).
 *
 * Contract: proto/coffer/file/v1/file.proto (FileService), every RPC implemented in
 * files/file-service.ts; authorization by the policy service, records by the metadata service,
 * bytes in the object store (S3 or the filesystem). Registered through notImplementedService, so
 * an RPC added to the contract later answers UNIMPLEMENTED after the peer allowlist.
 *
 * Start-up: config → content key ring → object store (prepare) → the service's own database
 * (only an outbox, for file.downloaded and access.denied) and its migration → gRPC server →
 * outbox relay, orphan reconciler and (when enabled) the scrubber. Shutdown stops the jobs and
 * the relay, drains the gRPC server, then closes the bus and the database.
 */
runMain('file', async () => {
  const config = loadFileConfig();
  const db = await createDatabase(config.databaseUrl, { searchPath: [FILE_OUTBOX_SCHEMA] });
  try {
    const migration = await migrate(db, { schema: FILE_OUTBOX_SCHEMA, migrations: [outboxMigration(FILE_OUTBOX_SCHEMA)] });
    let app: ReturnType<typeof createFileServiceApp> | undefined;
    const runtime = await startServiceRuntime({
      name: 'file',
      config,
      allowlist: filePeerAllowlist,
      grpcServices: async (deps) => {
        const ring = await loadContentKeyRing(config.contentKeysFile, config.dataDir, deps.logger);
        const storeUrl = await resolveObjectStoreUrl(config.objectStoreUrl, config.dataDir, deps.logger, () => mkdtemp(join(tmpdir(), 'coffer-file-objects-')));
        const store = createObjectStoreFromUrl(storeUrl, config.s3Credentials ?? {});
        await store.prepare();
        deps.readiness.add('object-store', () => store.checkReady());
        app = createFileServiceApp({
          records: new GrpcFileRecords(deps.client(metadataV1.MetadataServiceClient, 'metadata'), config.metadataDeadlineMs),
          policy: new GrpcAccessPolicy(deps.client(policyV1.PolicyServiceClient, 'policy'), config.policyDeadlineMs),
          store,
          ring,
          events: new OutboxFileEventSink(db),
          registry: deps.registry,
          logger: deps.logger,
          limits: config.limits,
          sharing: config.sharing,
          contentTypes: config.contentTypes,
          verifyOnRead: config.verifyOnRead,
          orphanGraceSeconds: config.orphanGraceSeconds,
        });
        return [notImplementedService(fileV1.FileServiceService, app.implementation)];
      },
    });
    runtime.logger.info({ database: db.displayUrl, applied: migration.applied, limits: config.limits, verify_on_read: config.verifyOnRead }, 'file service ready');
    runtime.readiness.add('database', databaseReadinessCheck(db));

    const bus = createServiceEventBus(config.eventBusUrl, runtime, 'file');
    const relay = new OutboxRelay({ db, schema: FILE_OUTBOX_SCHEMA, bus, logger: runtime.logger.child({ component: 'outbox-relay' }), tracer: runtime.tracing.tracer });
    relay.start();
    registerOutboxBacklogMetrics(runtime.registry, relay, runtime.logger);
    runtime.addDrainStep({ name: 'outbox-relay', run: () => relay.stop() });

    if (app !== undefined) {
      const { reconciler, scrubber } = app;
      const reconcileJob = new PeriodicJob({
        name: 'orphan-reconciler',
        intervalMs: config.reconcileIntervalMs,
        logger: runtime.logger,
        run: async () => {
          await reconciler.reconcileOnce();
        },
      });
      reconcileJob.start();
      runtime.addDrainStep({ name: 'orphan-reconciler', run: () => reconcileJob.stop() });
      if (config.scrubIntervalMs > 0) {
        const scrubJob = new PeriodicJob({
          name: 'scrubber',
          intervalMs: config.scrubIntervalMs,
          logger: runtime.logger,
          run: async () => {
            await scrubber.scrubOnce();
          },
        });
        scrubJob.start();
        runtime.addDrainStep({ name: 'scrubber', run: () => scrubJob.stop() });
      }
    }
    runtime.addCloseStep({ name: 'event-bus', run: () => bus.close() });
    runtime.addCloseStep({ name: 'database', run: () => db.close() });
    runtime.installSignalHandlers();
  } catch (error) {
    await db.close();
    throw error;
  }
});
