import { AccessTokenIssuer } from '@coffer/access-tokens';
import { authV1, userV1 } from '@coffer/contracts';
import { createDatabase, databaseReadinessCheck, migrate } from '@coffer/db';
import { createServiceEventBus } from '@coffer/events';
import { OutboxRelay, registerOutboxBacklogMetrics } from '@coffer/outbox';
import { notImplementedService, PeriodicJob, runMain, startServiceRuntime } from '@coffer/platform';
import { createRateLimiterFromUrl } from '@coffer/rate-limit';
import { createSessionStoreFromUrl } from '@coffer/session-store';
import { loadAuthConfig } from './auth-config.js';
import { authServiceImplementation } from './auth-service.js';
import { AUTH_SCHEMA, authMigrations } from './credentials/auth-migrations.js';
import { KnexCredentialRepository } from './credentials/credential-repository.js';
import { OutboxAuthEventSink } from './events/auth-events.js';
import { loadSigningKeyRing } from './keys/signing-key-file.js';
import { LoginThrottle } from './login/login-throttle.js';
import { Argon2idPasswordHasher } from './passwords/password-hasher.js';
import { authPeerAllowlist } from './peer-allowlist.js';
import { KnexRefreshTokenRepository } from './refresh/refresh-token-repository.js';
import { AuthMetrics } from './auth-metrics.js';

/**
 * Entry point of the auth service: credentials (argon2id), access JWTs (ES256, at+jwt, JWKS with
 * rotation), rotating refresh tokens with reuse detection, sessions in the session store, login
 * throttling. Contract: proto/coffer/auth/v1/auth.proto. Embedded defaults (PGlite in memory,
 * in-memory sessions and rate limits) unless COFFER_DATABASE_URL, COFFER_SESSION_STORE_URL and
 * COFFER_RATE_LIMIT_URL point at PostgreSQL and Redis.
 *
 * Events: every auth.* event is written into `auth.outbox` (in the transaction of the
 * credentials or refresh-family change it describes; auth.login_failed in a small transaction
 * of its own), and an OutboxRelay, started after the gRPC server, publishes them through the
 * bus of COFFER_EVENT_BUS_URL (events/event-bus.ts). Shutdown stops the relay in a drain step
 * (after the batch in flight), then closes the bus and the database.
 */
runMain('auth', async () => {
  const config = loadAuthConfig();
  const db = await createDatabase(config.databaseUrl);
  await migrate(db, { schema: AUTH_SCHEMA, migrations: authMigrations });
  const sessions = createSessionStoreFromUrl(config.sessionStoreUrl, { maxSessionsPerUser: config.sessions.maxPerUser });
  const limiter = createRateLimiterFromUrl(config.rateLimitUrl);

  const runtime = await startServiceRuntime({
    name: 'auth',
    config,
    allowlist: authPeerAllowlist,
    grpcServices: async (platform) => {
      const keys = await loadSigningKeyRing(config.signingKeysFile, config.tokens.accessTtlSeconds * 1000, platform.logger);
      const hasher = new Argon2idPasswordHasher();
      await hasher.prepare();
      const implementation = authServiceImplementation({
        users: platform.client(userV1.UserServiceClient, 'user'),
        credentials: new KnexCredentialRepository(db),
        refreshTokens: new KnexRefreshTokenRepository(db),
        sessions,
        hasher,
        throttle: new LoginThrottle(limiter, config.loginThrottle),
        keys,
        accessTokens: new AccessTokenIssuer(keys, { ...config.tokens, ttlSeconds: config.tokens.accessTtlSeconds }),
        events: new OutboxAuthEventSink(db, platform.logger),
        metrics: new AuthMetrics(platform.registry),
        logger: platform.logger,
        settings: {
          accessTtlSeconds: config.tokens.accessTtlSeconds,
          refreshTtlSeconds: config.tokens.refreshTtlSeconds,
          sessionIdleTtlMs: config.sessions.idleTtlMs,
          sessionAbsoluteTtlMs: config.sessions.absoluteTtlMs,
          userDeadlineMs: config.userDeadlineMs,
        },
      });
      return [notImplementedService(authV1.AuthServiceService, implementation)];
    },
  });
  // Expired refresh tokens and long-revoked families are kept a day (reuse of a just-expired
  // token still reads as invalid, not unknown), then deleted.
  const refreshCleanup = new PeriodicJob({
    name: 'refresh-token-cleanup',
    intervalMs: 60 * 60 * 1000,
    logger: runtime.logger,
    run: async () => {
      const deleted = await new KnexRefreshTokenRepository(db).deleteExpired(new Date(Date.now() - 24 * 60 * 60 * 1000));
      runtime.logger.info({ deleted }, 'deleted expired refresh tokens');
    },
  });
  refreshCleanup.start();
  runtime.addDrainStep({ name: 'refresh-token-cleanup', run: () => refreshCleanup.stop() });
  const bus = createServiceEventBus(config.eventBusUrl, runtime, 'auth');
  const relay = new OutboxRelay({ db, schema: AUTH_SCHEMA, bus, logger: runtime.logger.child({ component: 'outbox-relay' }), tracer: runtime.tracing.tracer, ...config.outbox });
  registerOutboxBacklogMetrics(runtime.registry, relay, runtime.logger);
  relay.start();
  runtime.addDrainStep({ name: 'outbox-relay', run: () => relay.stop() });
  runtime.readiness.add('database', databaseReadinessCheck(db));
  runtime.readiness.add('session-store', () => sessions.checkReady());
  runtime.readiness.add('rate-limiter', () => limiter.checkReady());
  runtime.addCloseStep({ name: 'event-bus', run: () => bus.close() });
  runtime.addCloseStep({ name: 'database', run: () => db.close() });
  runtime.addCloseStep({ name: 'session-store', run: () => sessions.close() });
  runtime.addCloseStep({ name: 'rate-limiter', run: () => limiter.close() });
  runtime.installSignalHandlers();
});
