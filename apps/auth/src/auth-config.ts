import { z } from 'zod';
import { DEFAULT_TOKEN_AUDIENCE, DEFAULT_TOKEN_ISSUER } from '@coffer/access-tokens';
import { ConfigError, configValues, loadConfig, loadServiceConfig, type ServiceConfig } from '@coffer/platform';

/** Settings of the auth service beyond those every service has. */
export interface AuthConfig extends ServiceConfig {
  readonly databaseUrl: string;
  readonly sessionStoreUrl: string;
  readonly rateLimitUrl: string;
  /** JSON file of signing keys (private JWKs); unset: an ephemeral key for development only. */
  readonly signingKeysFile: string | undefined;
  readonly tokens: { readonly issuer: string; readonly audience: string; readonly accessTtlSeconds: number; readonly refreshTtlSeconds: number };
  readonly sessions: { readonly idleTtlMs: number; readonly absoluteTtlMs: number };
  readonly loginThrottle: {
    readonly failuresPerAccount: number;
    readonly attemptsPerAddress: number;
    readonly windowMs: number;
    readonly signUpsPerAddress: number;
    readonly signUpWindowMs: number;
  };
  readonly userDeadlineMs: number;
  /**
   * The event bus the outbox relay publishes to (COFFER_EVENT_BUS_URL): `embedded://` (default,
   * this process only) or `kafka://host:port[,…]`. Checked when the bus is built at start-up
   * (events/event-bus.ts), so a new kind of bus needs no change here.
   */
  readonly eventBusUrl: string;
  /** The outbox relay's settings. */
  readonly outbox: {
    /** Rows published per relay transaction (COFFER_OUTBOX_BATCH_SIZE). */
    readonly batchSize: number;
    /** Pause after a run that found nothing, in ms (COFFER_OUTBOX_IDLE_WAIT_MS). */
    readonly idleWaitMs: number;
    /** Backoff after a failed publish, doubled per attempt, in ms (COFFER_OUTBOX_BASE_BACKOFF_MS). */
    readonly baseBackoffMs: number;
    /** Upper bound of that backoff, in ms (COFFER_OUTBOX_MAX_BACKOFF_MS). */
    readonly maxBackoffMs: number;
  };
}

const seconds = () => configValues.positiveInt();

const authSchema = z.object({
  COFFER_DATABASE_URL: z.string().min(1).default('pglite://memory'),
  COFFER_SESSION_STORE_URL: z.string().min(1).default('memory://'),
  COFFER_RATE_LIMIT_URL: z.string().min(1).default('memory://'),
  COFFER_SIGNING_KEYS_FILE: z.string().min(1).optional(),
  COFFER_TOKEN_ISSUER: z.string().min(1).default(DEFAULT_TOKEN_ISSUER),
  COFFER_TOKEN_AUDIENCE: z.string().min(1).default(DEFAULT_TOKEN_AUDIENCE),
  COFFER_ACCESS_TOKEN_TTL_S: seconds().max(3_600).default(600),
  COFFER_REFRESH_TOKEN_TTL_S: seconds().default(30 * 24 * 3_600),
  COFFER_SESSION_IDLE_TTL_S: seconds().default(7 * 24 * 3_600),
  COFFER_SESSION_ABSOLUTE_TTL_S: seconds().default(30 * 24 * 3_600),
  COFFER_LOGIN_FAILURES_PER_ACCOUNT: configValues.positiveInt().default(5),
  COFFER_LOGIN_ATTEMPTS_PER_ADDRESS: configValues.positiveInt().default(30),
  COFFER_LOGIN_THROTTLE_WINDOW_S: seconds().default(15 * 60),
  COFFER_SIGNUPS_PER_ADDRESS: configValues.positiveInt().default(20),
  COFFER_SIGNUP_THROTTLE_WINDOW_S: seconds().default(3_600),
  COFFER_USER_DEADLINE_MS: configValues.positiveInt().default(5_000),
  COFFER_EVENT_BUS_URL: z.string().min(1).default('embedded://'),
  COFFER_OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(100),
  COFFER_OUTBOX_IDLE_WAIT_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  COFFER_OUTBOX_BASE_BACKOFF_MS: z.coerce.number().int().min(10).max(600_000).default(1_000),
  COFFER_OUTBOX_MAX_BACKOFF_MS: z.coerce.number().int().min(10).max(3_600_000).default(60_000),
});

export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const own = loadConfig(authSchema, env);
  if (own.COFFER_OUTBOX_MAX_BACKOFF_MS < own.COFFER_OUTBOX_BASE_BACKOFF_MS) {
    throw new ConfigError(['COFFER_OUTBOX_MAX_BACKOFF_MS: must be at least COFFER_OUTBOX_BASE_BACKOFF_MS.']);
  }
  return Object.freeze({
    ...loadServiceConfig('auth', env),
    databaseUrl: own.COFFER_DATABASE_URL,
    sessionStoreUrl: own.COFFER_SESSION_STORE_URL,
    rateLimitUrl: own.COFFER_RATE_LIMIT_URL,
    signingKeysFile: own.COFFER_SIGNING_KEYS_FILE,
    tokens: Object.freeze({
      issuer: own.COFFER_TOKEN_ISSUER,
      audience: own.COFFER_TOKEN_AUDIENCE,
      accessTtlSeconds: own.COFFER_ACCESS_TOKEN_TTL_S,
      refreshTtlSeconds: own.COFFER_REFRESH_TOKEN_TTL_S,
    }),
    sessions: Object.freeze({ idleTtlMs: own.COFFER_SESSION_IDLE_TTL_S * 1000, absoluteTtlMs: own.COFFER_SESSION_ABSOLUTE_TTL_S * 1000 }),
    loginThrottle: Object.freeze({
      failuresPerAccount: own.COFFER_LOGIN_FAILURES_PER_ACCOUNT,
      attemptsPerAddress: own.COFFER_LOGIN_ATTEMPTS_PER_ADDRESS,
      windowMs: own.COFFER_LOGIN_THROTTLE_WINDOW_S * 1000,
      signUpsPerAddress: own.COFFER_SIGNUPS_PER_ADDRESS,
      signUpWindowMs: own.COFFER_SIGNUP_THROTTLE_WINDOW_S * 1000,
    }),
    userDeadlineMs: own.COFFER_USER_DEADLINE_MS,
    eventBusUrl: own.COFFER_EVENT_BUS_URL,
    outbox: Object.freeze({
      batchSize: own.COFFER_OUTBOX_BATCH_SIZE,
      idleWaitMs: own.COFFER_OUTBOX_IDLE_WAIT_MS,
      baseBackoffMs: own.COFFER_OUTBOX_BASE_BACKOFF_MS,
      maxBackoffMs: own.COFFER_OUTBOX_MAX_BACKOFF_MS,
    }),
  });
}
