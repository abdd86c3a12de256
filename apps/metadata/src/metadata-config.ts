import { z } from 'zod';
import { parseDatabaseUrl } from '@coffer/db';
import { checkEventBusUrl } from '@coffer/events';
import { ConfigError, loadConfig, loadServiceConfig, type ServiceConfig } from '@coffer/platform';
import { outboxEnvShape, outboxSettingsOf, type OutboxRelaySettings } from '@coffer/outbox';

/** Settings of the metadata service beyond those every service has. Parsed once, then frozen. */
export interface MetadataConfig extends ServiceConfig {
  /**
   * `postgres://…` for a PostgreSQL server, `pglite://memory` (the default: gone when the
   * process stops) or `pglite:///absolute/dir` for the embedded database (COFFER_DATABASE_URL).
   */
  readonly databaseUrl: string;
  /** `embedded://` (default, this process only), `kafka://host:port[,…]` or `peer://audit,webhook` (make dev) (COFFER_EVENT_BUS_URL). */
  readonly eventBusUrl: string;
  /** The outbox relay's settings (COFFER_OUTBOX_*, libs/outbox). */
  readonly outbox: OutboxRelaySettings;
}

const metadataSchema = z.object({
  COFFER_DATABASE_URL: z.string().min(1).default('pglite://memory'),
  COFFER_EVENT_BUS_URL: z.string().min(1).default('embedded://'),
  ...outboxEnvShape,
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
  checkEventBusUrl(own.COFFER_EVENT_BUS_URL, problems);
  const outbox = outboxSettingsOf(own, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    ...loadServiceConfig('metadata', env),
    databaseUrl: own.COFFER_DATABASE_URL,
    eventBusUrl: own.COFFER_EVENT_BUS_URL,
    outbox,
  });
}
