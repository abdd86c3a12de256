import { join } from 'node:path';
import { z } from 'zod';
import { parseDatabaseUrl } from '@coffer/db';
import { ConfigError, loadConfig, loadServiceConfig, type ServiceConfig } from '@coffer/platform';
import { parseClickHouseUrl } from './store/clickhouse-audit-store.js';

/** Settings of the audit service beyond those every service has. Parsed once, then frozen. */
export interface AuditConfig extends ServiceConfig {
  /** The service's own database (checkpoints; also the embedded store's rows) (COFFER_DATABASE_URL). */
  readonly databaseUrl: string;
  /** `embedded://` (default) or `kafka://host:port[,…]` (COFFER_EVENT_BUS_URL). */
  readonly eventBusUrl: string;
  /** Where rows go (COFFER_AUDIT_STORE_URL): ClickHouse, or `embedded` (a table in databaseUrl). */
  readonly store: { readonly kind: 'embedded' } | { readonly kind: 'clickhouse'; readonly url: string; readonly database: string };
  /** The HMAC key ring file that signs checkpoints (COFFER_AUDIT_KEYS_FILE, or under COFFER_DATA_DIR). */
  readonly keysFile: string | undefined;
  readonly ingest: {
    /** Whether this replica runs the ingestor (COFFER_AUDIT_INGEST; one active ingestor per deployment). */
    readonly enabled: boolean;
    readonly batchSize: number;
    readonly maxWaitMs: number;
    readonly checkpointEvery: number;
    readonly consumers: number;
  };
}

const booleanText = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

const auditSchema = z.object({
  COFFER_DATABASE_URL: z.string().min(1).optional(),
  COFFER_DATA_DIR: z.string().min(1).optional(),
  COFFER_EVENT_BUS_URL: z.string().min(1).default('embedded://'),
  COFFER_AUDIT_STORE_URL: z.string().min(1).default('embedded'),
  COFFER_AUDIT_KEYS_FILE: z.string().min(1).optional(),
  COFFER_AUDIT_INGEST: booleanText.default(true),
  COFFER_AUDIT_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(500),
  COFFER_AUDIT_BATCH_MAX_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(200),
  COFFER_AUDIT_CHECKPOINT_EVERY: z.coerce.number().int().min(1).max(10_000_000).default(1_000),
  COFFER_AUDIT_CONSUMERS: z.coerce.number().int().min(1).max(64).default(8),
});

/** Loads the audit service's settings from the environment (and COFFER_CONFIG_FILE). */
export function loadAuditConfig(env: NodeJS.ProcessEnv = process.env): AuditConfig {
  const own = loadConfig(auditSchema, env);
  const problems: string[] = [];
  // Dev default: a PGlite folder under COFFER_DATA_DIR when set, else in memory.
  const databaseUrl = own.COFFER_DATABASE_URL ?? (own.COFFER_DATA_DIR === undefined ? 'pglite://memory' : `pglite://${join(own.COFFER_DATA_DIR, 'audit', 'db')}`);
  try {
    parseDatabaseUrl(databaseUrl);
  } catch (error) {
    problems.push(`COFFER_DATABASE_URL: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (own.COFFER_EVENT_BUS_URL !== 'embedded://' && !own.COFFER_EVENT_BUS_URL.startsWith('kafka://')) {
    problems.push('COFFER_EVENT_BUS_URL: must be embedded:// or kafka://host:port[,host:port].');
  }
  let store: AuditConfig['store'] = { kind: 'embedded' };
  if (own.COFFER_AUDIT_STORE_URL !== 'embedded') {
    try {
      store = { kind: 'clickhouse', ...parseClickHouseUrl(own.COFFER_AUDIT_STORE_URL) };
    } catch (error) {
      problems.push(`COFFER_AUDIT_STORE_URL: ${error instanceof Error ? error.message : String(error)} Use embedded, clickhouse://host:8123/db or http://host:8123?database=db.`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const keysFile = own.COFFER_AUDIT_KEYS_FILE ?? (own.COFFER_DATA_DIR === undefined ? undefined : join(own.COFFER_DATA_DIR, 'audit', 'checkpoint-keys.json'));
  return Object.freeze({
    ...loadServiceConfig('audit', env),
    databaseUrl,
    eventBusUrl: own.COFFER_EVENT_BUS_URL,
    store: Object.freeze(store),
    keysFile,
    ingest: Object.freeze({
      enabled: own.COFFER_AUDIT_INGEST,
      batchSize: own.COFFER_AUDIT_BATCH_SIZE,
      maxWaitMs: own.COFFER_AUDIT_BATCH_MAX_WAIT_MS,
      checkpointEvery: own.COFFER_AUDIT_CHECKPOINT_EVERY,
      consumers: own.COFFER_AUDIT_CONSUMERS,
    }),
  });
}
