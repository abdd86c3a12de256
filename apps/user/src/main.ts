import { userV1 } from '@coffer/contracts';
import { createDatabase, databaseReadinessCheck, migrate } from '@coffer/db';
import { notImplementedService, runMain, startServiceRuntime } from '@coffer/platform';
import { userPeerAllowlist } from './peer-allowlist.js';
import { loadUserConfig } from './user-config.js';
import { PurgeJob } from './users/purge-job.js';
import { USERS_SCHEMA, userMigrations } from './users/user-migrations.js';
import { KnexUserRepository } from './users/user-repository.js';
import { LogUserEventSink } from './users/user-events.js';
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
 * process) → gRPC server. /readyz fails while the database does not answer. A timer purges
 * accounts soft-deleted longer than COFFER_USER_DELETE_GRACE_DAYS. Shutdown stops the timer,
 * drains the gRPC server, then closes the database.
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
        const operations = new UserOperations({ repository, adminEmails: config.adminEmails, events: new LogUserEventSink(deps.logger) });
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
    runtime.addCloseStep({ name: 'database', run: () => db.close() });
    runtime.installSignalHandlers();
  } catch (error) {
    await db.close();
    throw error;
  }
});
