import { userV1 } from '@coffer/contracts';
import { createDatabase, databaseReadinessCheck, migrate } from '@coffer/db';
import { createServiceEventBus } from '@coffer/events';
import { OutboxRelay, registerOutboxBacklogMetrics } from '@coffer/outbox';
import { notImplementedService, runMain, startServiceRuntime } from '@coffer/platform';
import { userPeerAllowlist } from './peer-allowlist.js';
import { loadUserConfig } from './user-config.js';
import { PurgeJob } from './users/purge-job.js';
import { USERS_SCHEMA, userMigrations } from './users/user-migrations.js';
import { KnexUserRepository } from './users/user-repository.js';
import { UserOperations, userServiceImplementation } from './users/user-service.js';

/**
 * Entry point of the user service: profiles (display name, email), email unique
 * case-insensitively among live accounts.
 *
 * Contract: proto/coffer/user/v1/user.proto (UserService), every RPC implemented in
 * users/user-service.ts: CreateUser, GetUser, GetUserByEmail, UpdateUser, DeleteUser (soft
 * delete, or purge at once) and ListUsers (keyset pagination). Registered through
 * notImplementedService, so an RPC added to the contract later answers UNIMPLEMENTED through
 * the normal call path (peer allowlist first) until it is implemented here.
 *
 * Start-up: config → database (COFFER_DATABASE_URL: PostgreSQL, or embedded PGlite by
 * default) → migrations of the `users` schema (before any RPC is served; a failure stops the
 * process) → event bus (COFFER_EVENT_BUS_URL, events/event-bus.ts) → gRPC server → outbox
 * relay. Every change writes its user.* event into `users.outbox` in its own transaction; the
 * relay publishes them. /readyz fails while the database does not answer; /metrics carries the
 * outbox backlog. A timer purges accounts soft-deleted longer than COFFER_USER_DELETE_GRACE_DAYS.
 * Shutdown stops the timer and the relay (after the batch in flight), drains the gRPC server,
 * then closes the bus and the database.
 */
runMain('user', async () => {
  const config = loadUserConfig();
  const db = await createDatabase(config.databaseUrl, { searchPath: [USERS_SCHEMA] });
  try {
    const migration = await migrate(db, { schema: USERS_SCHEMA, migrations: userMigrations });
    const repository = new KnexUserRepository(db);
    const runtime = await startServiceRuntime({
      name: 'user',
      config,
      allowlist: userPeerAllowlist,
      // HealthService comes from the platform.
      grpcServices: (deps) => {
        const operations = new UserOperations({ repository, adminEmails: config.adminEmails });
        return [notImplementedService(userV1.UserServiceService, userServiceImplementation(operations, deps.logger))];
      },
    });
    runtime.logger.info({ database: db.displayUrl, applied: migration.applied, admin_emails: config.adminEmails.length }, 'users schema migrated');
    runtime.readiness.add('database', databaseReadinessCheck(db));

    const purgeJob = new PurgeJob({
      repository,
      logger: runtime.logger.child({ component: 'purge-job' }),
      graceDays: config.deleteGraceDays,
      intervalMs: config.purgeIntervalMs,
    });
    purgeJob.start();
    runtime.addDrainStep({ name: 'purge-job', run: () => purgeJob.stop() });

    const bus = createServiceEventBus(config.eventBusUrl, runtime, 'user');
    const relay = new OutboxRelay({
      db,
      tracer: runtime.tracing.tracer,
      schema: USERS_SCHEMA,
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
