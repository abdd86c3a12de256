import { randomUUID } from 'node:crypto';
import { Metadata, status as GrpcStatus, type ServerUnaryCall, type ServiceError, type handleUnaryCall } from '@grpc/grpc-js';
import { AccessTokenIssuer, AccessTokenVerifier, generateSigningKey, importSigningKey, SigningKeyRing } from '@coffer/access-tokens';
import type { userV1 } from '@coffer/contracts';
import { createDatabase, migrate, type Database } from '@coffer/db';
import { AppError, createLogger, createMetricsRegistry, fromGrpcError, toGrpcStatus } from '@coffer/platform';
import { MemoryRateLimiter, type RateLimiter } from '@coffer/rate-limit';
import { MemorySessionStore, type SessionStore } from '@coffer/session-store';
import { Writable } from 'node:stream';
import { authServiceImplementation } from './auth-service.js';
import { AUTH_SCHEMA, authMigrations } from './credentials/auth-migrations.js';
import { KnexCredentialRepository } from './credentials/credential-repository.js';
import { parseEvent, platformEventSchemaRegistry, type CloudEvent } from '@coffer/events';
import { OUTBOX_TABLE } from '@coffer/outbox';
import { OutboxAuthEventSink } from './events/auth-events.js';
import { LoginThrottle, type LoginThrottleRules } from './login/login-throttle.js';
import { Argon2idPasswordHasher, type PasswordHasher } from './passwords/password-hasher.js';
import { KnexRefreshTokenRepository } from './refresh/refresh-token-repository.js';
import { AuthMetrics } from './auth-metrics.js';

type Callback<R> = (error: ServiceError | null, response: R) => void;

/**
 * Profiles for auth tests. It stands in for the user service (another Coffer service, reached
 * over gRPC in production and in the end-to-end tests), with the same answers: NOT_FOUND for a
 * missing or deleted profile, ALREADY_EXISTS for a taken email.
 */
export class InMemoryUsers {
  readonly users = new Map<string, userV1.User>();
  /** While true, every call fails with UNAVAILABLE, as when the user service's database is down. */
  unavailable = false;

  private answer<R>(callback: Callback<R>, work: () => R): { cancel(): void } {
    try {
      if (this.unavailable) throw new AppError('unavailable', { detail: 'The user service is unavailable.', retryAfterSeconds: 1 });
      const result = work();
      queueMicrotask(() => callback(null, result));
    } catch (error) {
      const status = toGrpcStatus(error);
      queueMicrotask(() => callback(Object.assign(new Error(status.details ?? ''), { code: status.code, details: status.details ?? '', metadata: status.metadata ?? new Metadata() }), undefined as R));
    }
    return { cancel: () => undefined };
  }

  client(): userV1.UserServiceClient {
    const live = () => [...this.users.values()].filter((user) => user.deletedAt === undefined);
    const methods = {
      createUser: (request: userV1.CreateUserRequest, _m: Metadata, _o: unknown, callback: Callback<userV1.CreateUserResponse>) =>
        this.answer(callback, () => {
          if (live().some((user) => user.email.toLowerCase() === request.email.toLowerCase())) throw new AppError('conflict', { detail: 'email: is already in use.' });
          const user: userV1.User = { id: randomUUID(), email: request.email, displayName: request.displayName, admin: false, createdAt: new Date(), updatedAt: new Date(), deletedAt: undefined };
          this.users.set(user.id, user);
          return { user };
        }),
      getUser: (request: userV1.GetUserRequest, _m: Metadata, _o: unknown, callback: Callback<userV1.GetUserResponse>) =>
        this.answer(callback, () => {
          const user = this.users.get(request.id);
          if (!user || user.deletedAt) throw new AppError('not_found');
          return { user };
        }),
      getUserByEmail: (request: userV1.GetUserByEmailRequest, _m: Metadata, _o: unknown, callback: Callback<userV1.GetUserByEmailResponse>) =>
        this.answer(callback, () => {
          const user = live().find((candidate) => candidate.email.toLowerCase() === request.email.toLowerCase());
          if (!user) throw new AppError('not_found');
          return { user };
        }),
      deleteUser: (request: userV1.DeleteUserRequest, _m: Metadata, _o: unknown, callback: Callback<userV1.DeleteUserResponse>) =>
        this.answer(callback, () => {
          const user = this.users.get(request.id);
          if (!user) throw new AppError('not_found');
          if (request.purge) this.users.delete(request.id);
          else this.users.set(request.id, { ...user, deletedAt: new Date() });
          return {};
        }),
    };
    return methods as unknown as userV1.UserServiceClient;
  }
}


/** Calls a unary handler as grpc-js would, resolving with the response or rejecting with an AppError. */
export function invoke<Request, Response>(handler: handleUnaryCall<Request, Response>, request: Request): Promise<Response> {
  return new Promise((resolve, reject: (error: AppError) => void) => {
    const call = { request, metadata: new Metadata() } as unknown as ServerUnaryCall<Request, Response>;
    handler(call, (error, response) => {
      if (error) {
        const status = error as Partial<ServiceError>;
        reject(fromGrpcError(Object.assign(new Error(status.details ?? ''), { code: status.code ?? GrpcStatus.UNKNOWN, details: status.details ?? '', metadata: status.metadata ?? new Metadata() })));
      } else if (response !== null && response !== undefined) resolve(response);
    });
  });
}

/** Empties auth's tables, so one embedded database can serve many tests (PGlite starts slowly). */
export async function clearAuthTables(db: Database): Promise<void> {
  await db.knex.raw(`TRUNCATE ${AUTH_SCHEMA}.refresh_tokens, ${AUTH_SCHEMA}.refresh_families, ${AUTH_SCHEMA}.credentials, ${AUTH_SCHEMA}.${OUTBOX_TABLE}`);
}

/** One row of `auth.outbox`, as the relay would read it. */
export interface OutboxRow {
  readonly eventKey: string;
  readonly topic: string;
  /** The payload as stored (JSON text), for assertions on what leaves the service. */
  readonly serialized: string;
  readonly event: CloudEvent;
}

const registry = platformEventSchemaRegistry();

/**
 * The events in `auth.outbox`, in write order. Each is parsed (envelope checked) and its data
 * validated against its schema (events/schemas/auth.*.v1.json); an invalid one fails the test.
 */
export async function readAuthOutbox(db: Database): Promise<OutboxRow[]> {
  const rows = await db.knex.withSchema(AUTH_SCHEMA).table(OUTBOX_TABLE).orderBy('id').select<{ event_key: string; topic: string; payload: unknown }[]>('event_key', 'topic', 'payload');
  return rows.map((row) => {
    const serialized = typeof row.payload === 'string' ? row.payload : JSON.stringify(row.payload);
    const event = parseEvent(serialized);
    registry.validate(event);
    return { eventKey: row.event_key, topic: row.topic, serialized, event };
  });
}

export interface AuthHarness {
  auth: ReturnType<typeof authServiceImplementation>;
  users: InMemoryUsers;
  /** The events written to `auth.outbox` so far (validated), in write order. */
  outbox(): Promise<OutboxRow[]>;
  /** The types of those events, in write order. */
  eventTypes(): Promise<string[]>;
  sessions: SessionStore;
  verifier: AccessTokenVerifier;
  db: Database;
  /** The value of one series of a counter of the service's registry (0 when absent). */
  counter(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

/** Argon2id with parameters small enough for tests. */
export function testPasswordHasher(): PasswordHasher {
  return new Argon2idPasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });
}

export const TEST_SETTINGS = { issuer: 'coffer-test', audience: 'coffer-api' };

/** The real auth handlers on a real database and the embedded session store and rate limiter (PGlite unless `databaseUrl` says otherwise). */
export interface AuthHarnessEngines {
  /** Defaults to the embedded (in-memory) session store. */
  sessions?: SessionStore;
  /** Defaults to the embedded (in-memory) rate limiter. */
  limiter?: RateLimiter;
  /** Defaults to Argon2id with test-sized parameters. */
  hasher?: PasswordHasher;
  /** Overrides of the login throttle's test rules (5 failures per account, 50 attempts per address, 60 s). */
  throttleRules?: Partial<LoginThrottleRules>;
}

export async function startAuthHarness(database: string | Database = 'pglite://memory', engines: AuthHarnessEngines = {}): Promise<AuthHarness> {
  const ownsDatabase = typeof database === 'string';
  const db = typeof database === 'string' ? await createDatabase(database) : database;
  await migrate(db, { schema: AUTH_SCHEMA, migrations: authMigrations });
  const keys = new SigningKeyRing([await importSigningKey(await generateSigningKey('ES256'))], 600_000);
  const users = new InMemoryUsers();
  const sessions = engines.sessions ?? new MemorySessionStore();
  const limiter = engines.limiter ?? new MemoryRateLimiter();
  const logger = createLogger({ service: 'auth', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  const registry = createMetricsRegistry('auth');
  const metrics = new AuthMetrics(registry);
  const auth = authServiceImplementation({
    users: users.client(),
    credentials: new KnexCredentialRepository(db),
    refreshTokens: new KnexRefreshTokenRepository(db),
    sessions,
    hasher: engines.hasher ?? testPasswordHasher(),
    throttle: new LoginThrottle(limiter, { failuresPerAccount: 5, attemptsPerAddress: 50, windowMs: 60_000, signUpsPerAddress: 5, signUpWindowMs: 60_000, ...engines.throttleRules }),
    keys,
    accessTokens: new AccessTokenIssuer(keys, { ...TEST_SETTINGS, ttlSeconds: 600 }),
    events: new OutboxAuthEventSink(db, logger),
    metrics,
    logger,
    settings: { accessTtlSeconds: 600, refreshTtlSeconds: 3_600, sessionIdleTtlMs: 3_600_000, sessionAbsoluteTtlMs: 86_400_000, userDeadlineMs: 2_000 },
  });
  return {
    auth,
    users,
    outbox: () => readAuthOutbox(db),
    eventTypes: async () => (await readAuthOutbox(db)).map((row) => row.event.type),
    sessions,
    verifier: new AccessTokenVerifier(keys.jwks(), { ...TEST_SETTINGS, clockToleranceSeconds: 0 }),
    db,
    counter: async (name, labels = {}) => {
      const metric = (await registry.getMetricsAsJSON()).find((family) => family.name === name);
      const sample = metric?.values.find((value) => Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted));
      return sample?.value ?? 0;
    },
    close: async () => {
      await sessions.close();
      await limiter.close();
      if (ownsDatabase) await db.close();
    },
  };
}
