import { z } from 'zod';
import { parseDatabaseUrl } from '@coffer/db';
import { isEventBusUrlShape } from '@coffer/events';
import { ConfigError, loadConfig, loadServiceConfig, type ServiceConfig } from '@coffer/platform';

/** Settings of the metadata service beyond those every service has. Parsed once, then frozen. */
export interface MetadataConfig extends ServiceConfig {
  /**
   * `postgres://…` for a PostgreSQL server, `pglite://memory` (the default: gone when the
   * process stops) or `pglite:///absolute/dir` for the embedded database (COFFER_DATABASE_URL).
   */
  readonly databaseUrl: string;
  /** `embedded://` (default, this process only), `kafka://host:port[,…]` or `peer://audit,webhook` (make dev) (COFFER_EVENT_BUS_URL). */
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

const metadataSchema = z.object({
  COFFER_DATABASE_URL: z.string().min(1).default('pglite://memory'),
  COFFER_EVENT_BUS_URL: z.string().min(1).default('embedded://'),
  COFFER_OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(100),
  COFFER_OUTBOX_IDLE_WAIT_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  COFFER_OUTBOX_BASE_BACKOFF_MS: z.coerce.number().int().min(10).max(600_000).default(1_000),
  COFFER_OUTBOX_MAX_BACKOFF_MS: z.coerce.number().int().min(10).max(3_600_000).default(60_000),
});

/** Loads the metadata service's settings from the environment (and COFFER_CONFIG_FILE). */
export function loadMetadataConfig(env: NodeJS.ProcessEnv = process.env): MetadataConfig {
  const own = loadConfig(metadataSchema, env);
  const problems: string[] = [];
  try {
    parseDatabaseUrl(own.COFFER_DATABASE_URL);
  } catch (error) {
    // parseDatabaseUrl's message never repeats a password.
    problems.push(`COFFER_DATABASE_URL: ${error instanceof Error ? error.message : String(error)}`);
  }
  // The bus URL is checked by shape here; createEventBusFromUrl checks brokers at start-up.
  if (!isEventBusUrlShape(own.COFFER_EVENT_BUS_URL)) {
    problems.push('COFFER_EVENT_BUS_URL: must be embedded://, kafka://host:port[,host:port] or peer://audit[,webhook].');
  }
  if (own.COFFER_OUTBOX_MAX_BACKOFF_MS < own.COFFER_OUTBOX_BASE_BACKOFF_MS) {
    problems.push('COFFER_OUTBOX_MAX_BACKOFF_MS: must be at least COFFER_OUTBOX_BASE_BACKOFF_MS.');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    ...loadServiceConfig('metadata', env),
    databaseUrl: own.COFFER_DATABASE_URL,
    eventBusUrl: own.COFFER_EVENT_BUS_URL,
    outbox: Object.freeze({
      batchSize: own.COFFER_OUTBOX_BATCH_SIZE,
      idleWaitMs: own.COFFER_OUTBOX_IDLE_WAIT_MS,
      baseBackoffMs: own.COFFER_OUTBOX_BASE_BACKOFF_MS,
      maxBackoffMs: own.COFFER_OUTBOX_MAX_BACKOFF_MS,
    }),
  });
}
