import { z } from 'zod';
import { DEFAULT_TOKEN_AUDIENCE, DEFAULT_TOKEN_ISSUER } from '@coffer/access-tokens';
import { ConfigError, configValues, loadConfig, loadServiceConfig, type ServiceConfig } from '@coffer/platform';
import { DEFAULT_MAX_SESSIONS_PER_USER } from '@coffer/session-store';
import { outboxEnvShape, outboxSettingsOf, type OutboxRelaySettings } from '@coffer/outbox';

/** Settings of the auth service beyond those every service has. */
export interface AuthConfig extends ServiceConfig {
  readonly databaseUrl: string;
  readonly sessionStoreUrl: string;
  readonly rateLimitUrl: string;
  /** JSON file of signing keys (private JWKs); unset: an ephemeral key for development only. */
  readonly signingKeysFile: string | undefined;
  readonly tokens: { readonly issuer: string; readonly audience: string; readonly accessTtlSeconds: number; readonly refreshTtlSeconds: number };
  /** Session timeouts and the per-user cap: past `maxPerUser` live sessions, a login evicts the oldest (COFFER_MAX_SESSIONS_PER_USER). */
  readonly sessions: { readonly idleTtlMs: number; readonly absoluteTtlMs: number; readonly maxPerUser: number };
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
  /** The outbox relay's settings (COFFER_OUTBOX_*, libs/outbox). */
  readonly outbox: OutboxRelaySettings;
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
  COFFER_MAX_SESSIONS_PER_USER: configValues.positiveInt().max(10_000).default(DEFAULT_MAX_SESSIONS_PER_USER),
  COFFER_LOGIN_FAILURES_PER_ACCOUNT: configValues.positiveInt().default(5),
  COFFER_LOGIN_ATTEMPTS_PER_ADDRESS: configValues.positiveInt().default(30),
  COFFER_LOGIN_THROTTLE_WINDOW_S: seconds().default(15 * 60),
  COFFER_SIGNUPS_PER_ADDRESS: configValues.positiveInt().default(20),
  COFFER_SIGNUP_THROTTLE_WINDOW_S: seconds().default(3_600),
  COFFER_USER_DEADLINE_MS: configValues.positiveInt().default(5_000),
  COFFER_EVENT_BUS_URL: z.string().min(1).default('embedded://'),
  ...outboxEnvShape,
});

export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const own = loadConfig(authSchema, env);
  const outboxProblems: string[] = [];
  const outbox = outboxSettingsOf(own, outboxProblems);
  if (outboxProblems.length > 0) throw new ConfigError(outboxProblems);
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
    sessions: Object.freeze({ idleTtlMs: own.COFFER_SESSION_IDLE_TTL_S * 1000, absoluteTtlMs: own.COFFER_SESSION_ABSOLUTE_TTL_S * 1000, maxPerUser: own.COFFER_MAX_SESSIONS_PER_USER }),
    loginThrottle: Object.freeze({
      failuresPerAccount: own.COFFER_LOGIN_FAILURES_PER_ACCOUNT,
      attemptsPerAddress: own.COFFER_LOGIN_ATTEMPTS_PER_ADDRESS,
      windowMs: own.COFFER_LOGIN_THROTTLE_WINDOW_S * 1000,
      signUpsPerAddress: own.COFFER_SIGNUPS_PER_ADDRESS,
      signUpWindowMs: own.COFFER_SIGNUP_THROTTLE_WINDOW_S * 1000,
    }),
    userDeadlineMs: own.COFFER_USER_DEADLINE_MS,
    eventBusUrl: own.COFFER_EVENT_BUS_URL,
    outbox,
  });
}
