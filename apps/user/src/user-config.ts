import { z } from 'zod';
import { parseDatabaseUrl } from '@coffer/db';
import { AppError, ConfigError, loadConfig, loadServiceConfig, type ServiceConfig } from '@coffer/platform';
import { normalizeEmail } from './users/profile-fields.js';
import { outboxEnvShape, outboxSettingsOf, type OutboxRelaySettings } from '@coffer/outbox';

/** Settings of the user service beyond those every service has. Parsed once, then frozen. */
export interface UserConfig extends ServiceConfig {
  /**
   * `postgres://…` for a PostgreSQL server, `pglite://memory` (the default: gone when the
   * process stops) or `pglite:///absolute/dir` for the embedded database (COFFER_DATABASE_URL).
   */
  readonly databaseUrl: string;
  /** How long a soft-deleted account is kept before it is purged (COFFER_USER_DELETE_GRACE_DAYS). */
  readonly deleteGraceDays: number;
  /** How often the purge job looks for accounts past the grace period (COFFER_USER_PURGE_INTERVAL_MS). */
  readonly purgeIntervalMs: number;
  /**
   * Lower-cased emails whose accounts are created as admins (COFFER_ADMIN_EMAILS, a comma list).
   * This is how the first admin comes to exist: the rule applies only when an account is
   * created (CreateUser), never when an existing account changes its email to one of these.
   * Sign-up does not verify email ownership yet, so whoever signs up first with a listed
   * address becomes admin: create the admin accounts before sign-up is opened to anyone else,
   * and remove addresses from the list once their accounts exist.
   */
  readonly adminEmails: readonly string[];
  /**
   * The event bus the outbox relay publishes to (COFFER_EVENT_BUS_URL): `embedded://` (default,
   * this process only) or `kafka://host:port[,…]`. Checked when the bus is built at start-up
   * (events/event-bus.ts), so a new kind of bus needs no change here.
   */
  readonly eventBusUrl: string;
  /** The outbox relay's settings (COFFER_OUTBOX_*, libs/outbox). */
  readonly outbox: OutboxRelaySettings;
}

/** setTimeout's largest delay; a larger one fires after 1 ms instead. */
const MAX_TIMER_MS = 2_147_483_647;

const userSchema = z.object({
  COFFER_DATABASE_URL: z.string().min(1).default('pglite://memory'),
  COFFER_USER_DELETE_GRACE_DAYS: z.coerce.number().int().min(0).max(3_650).default(30),
  COFFER_USER_PURGE_INTERVAL_MS: z.coerce.number().int().min(1_000).max(MAX_TIMER_MS).default(3_600_000),
  COFFER_ADMIN_EMAILS: z.string().default(''),
  COFFER_EVENT_BUS_URL: z.string().min(1).default('embedded://'),
  ...outboxEnvShape,
});

/** Loads the user service's settings from the environment (and COFFER_CONFIG_FILE). */
export function loadUserConfig(env: NodeJS.ProcessEnv = process.env): UserConfig {
  const own = loadConfig(userSchema, env);
  const problems: string[] = [];

  try {
    parseDatabaseUrl(own.COFFER_DATABASE_URL);
  } catch (error) {
    // parseDatabaseUrl's message never repeats a password.
    problems.push(`COFFER_DATABASE_URL: ${error instanceof Error ? error.message : String(error)}`);
  }

  const adminEmails: string[] = [];
  for (const entry of own.COFFER_ADMIN_EMAILS.split(',')) {
    if (entry.trim() === '') continue;
    try {
      adminEmails.push(normalizeEmail(entry, 'COFFER_ADMIN_EMAILS').toLowerCase());
    } catch (error) {
      const detail = error instanceof AppError && error.detail !== undefined ? error.detail : `COFFER_ADMIN_EMAILS: ${String(error)}`;
      problems.push(`${detail} (got ${JSON.stringify(entry.trim())})`);
    }
  }

  const outbox = outboxSettingsOf(own, problems);

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    ...loadServiceConfig('user', env),
    databaseUrl: own.COFFER_DATABASE_URL,
    deleteGraceDays: own.COFFER_USER_DELETE_GRACE_DAYS,
    purgeIntervalMs: own.COFFER_USER_PURGE_INTERVAL_MS,
    adminEmails: Object.freeze([...new Set(adminEmails)]),
    eventBusUrl: own.COFFER_EVENT_BUS_URL,
    outbox,
  });
}
