import { policyV1 } from '@coffer/contracts';
import { createDatabase, databaseReadinessCheck, migrate } from '@coffer/db';
import { createServiceEventBus } from '@coffer/events';
import { LinkTokenSigner } from '@coffer/integrity';
import { OutboxRelay, registerOutboxBacklogMetrics } from '@coffer/outbox';
import { notImplementedService, runMain, startServiceRuntime } from '@coffer/platform';
import { loadLinkKeyRing } from './links/link-key-ring.js';
import { policyPeerAllowlist } from './peer-allowlist.js';
import { loadPolicyConfig } from './policy-config.js';
import { DecisionCache } from './policy/decision-cache.js';
import { PolicyMetrics } from './policy/policy-metrics.js';
import { POLICY_SCHEMA, policyMigrations } from './policy/policy-migrations.js';
import { KnexPolicyRepository } from './policy/policy-repository.js';
import { PolicyOperations, policyServiceImplementation } from './policy/policy-service.js';

/**
 * Entry point of the policy service: who may do what to which file (deny by default, owner
 * rights, shares, policy statements where an explicit deny wins) and share links.
 *
 * Contract: proto/coffer/policy/v1/policy.proto (PolicyService), every RPC implemented in
 * policy/policy-service.ts (docs/services/policy.md).
 *
 * Start-up: config → database (COFFER_DATABASE_URL, embedded PGlite by default) → migrations of
 * the `policy` schema (grants, statements, links, outbox) → link key ring → gRPC server → outbox
 * relay to COFFER_EVENT_BUS_URL. Shutdown drains gRPC, stops the relay, closes bus and database.
 */
runMain('policy', async () => {
  const config = loadPolicyConfig();
  const db = await createDatabase(config.databaseUrl, { searchPath: [POLICY_SCHEMA] });
  try {
    const migration = await migrate(db, { schema: POLICY_SCHEMA, migrations: policyMigrations });
    const now = () => new Date();
    const repository = new KnexPolicyRepository(db, { now });
    const runtime = await startServiceRuntime({
      name: 'policy',
      config,
      allowlist: policyPeerAllowlist,
      // HealthService comes from the platform.
      grpcServices: async (deps) => {
        const ring = await loadLinkKeyRing(config.linkKeysFile, deps.logger);
        const operations = new PolicyOperations({
          repository,
          signer: new LinkTokenSigner(ring),
          cache: new DecisionCache({ maxEntries: config.decisionCacheMaxEntries, ttlMs: config.decisionCacheTtlMs, now: () => Date.now() }),
          metrics: new PolicyMetrics(deps.registry),
          logger: deps.logger,
          now,
          statementsTtlMs: config.decisionCacheTtlMs,
          maxLiveGrantsPerResource: config.maxGrantsPerResource,
        });
        return [notImplementedService(policyV1.PolicyServiceService, policyServiceImplementation(operations, deps.logger))];
      },
    });
    runtime.logger.info({ database: db.displayUrl, applied: migration.applied }, 'policy schema migrated');
    runtime.readiness.add('database', databaseReadinessCheck(db));

    const bus = createServiceEventBus(config.eventBusUrl, runtime, 'policy');
    const relay = new OutboxRelay({ db, schema: POLICY_SCHEMA, bus, logger: runtime.logger.child({ component: 'outbox-relay' }), tracer: runtime.tracing.tracer });
    relay.start();
    registerOutboxBacklogMetrics(runtime.registry, relay, runtime.logger);
    runtime.addDrainStep({ name: 'outbox-relay', run: () => relay.stop() });
    runtime.addCloseStep({ name: 'event-bus', run: () => bus.close() });
    runtime.addCloseStep({ name: 'database', run: () => db.close() });
    runtime.installSignalHandlers();
  } catch (error) {
    await db.close();
    throw error;
  }
});
