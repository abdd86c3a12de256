import { z } from 'zod';
import { parseDatabaseUrl } from '@coffer/db';
import { checkEventBusUrl } from '@coffer/events';
import { ConfigError, loadConfig, loadServiceConfig, type ServiceConfig } from '@coffer/platform';
import { MAX_DECISION_TTL_MS } from './policy/decision-cache.js';

/** Settings of the policy service beyond those every service has. Parsed once, then frozen. */
export interface PolicyConfig extends ServiceConfig {
  /** `postgres://…`, `pglite://memory` (default) or `pglite:///dir` (COFFER_DATABASE_URL). */
  readonly databaseUrl: string;
  /** `embedded://` (default), `kafka://host:port[,…]` or `peer://audit,webhook` (make dev) (COFFER_EVENT_BUS_URL). */
  readonly eventBusUrl: string;
  /**
   * The HMAC key ring of share-link tokens (COFFER_LINK_KEYS_FILE); when unset and
   * COFFER_DATA_DIR is set, `<COFFER_DATA_DIR>/link-keys.json`; else undefined (an ephemeral
   * in-memory ring, development only). A missing file is created with one fresh key.
   */
  readonly linkKeysFile: string | undefined;
  /** Most Authorize decisions kept in memory (COFFER_POLICY_CACHE_MAX_ENTRIES, 0 = no cache). */
  readonly decisionCacheMaxEntries: number;
  /** How long a decision is reused, ms, at most 1 000 (COFFER_POLICY_CACHE_TTL_MS). */
  readonly decisionCacheTtlMs: number;
  /** Live grants a resource may have at most (COFFER_POLICY_MAX_GRANTS_PER_RESOURCE). */
  readonly maxGrantsPerResource: number;
}

const policySchema = z.object({
  COFFER_DATABASE_URL: z.string().min(1).default('pglite://memory'),
  COFFER_EVENT_BUS_URL: z.string().min(1).default('embedded://'),
  COFFER_LINK_KEYS_FILE: z.string().min(1).optional(),
  COFFER_DATA_DIR: z.string().min(1).optional(),
  COFFER_POLICY_CACHE_MAX_ENTRIES: z.coerce.number().int().min(0).max(10_000_000).default(100_000),
  COFFER_POLICY_CACHE_TTL_MS: z.coerce.number().int().min(0).max(MAX_DECISION_TTL_MS).default(MAX_DECISION_TTL_MS),
  COFFER_POLICY_MAX_GRANTS_PER_RESOURCE: z.coerce.number().int().min(1).max(100_000).default(1_000),
});

/** Loads the policy service's settings from the environment (and COFFER_CONFIG_FILE). */
export function loadPolicyConfig(env: NodeJS.ProcessEnv = process.env): PolicyConfig {
  const own = loadConfig(policySchema, env);
  const problems: string[] = [];
  try {
    parseDatabaseUrl(own.COFFER_DATABASE_URL);
  } catch (error) {
    problems.push(`COFFER_DATABASE_URL: ${error instanceof Error ? error.message : String(error)}`);
  }
  checkEventBusUrl(own.COFFER_EVENT_BUS_URL, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const dataDir = own.COFFER_DATA_DIR?.replace(/\/+$/, '');
  return Object.freeze({
    ...loadServiceConfig('policy', env),
    databaseUrl: own.COFFER_DATABASE_URL,
    eventBusUrl: own.COFFER_EVENT_BUS_URL,
    linkKeysFile: own.COFFER_LINK_KEYS_FILE ?? (dataDir === undefined ? undefined : `${dataDir}/link-keys.json`),
    decisionCacheMaxEntries: own.COFFER_POLICY_CACHE_MAX_ENTRIES,
    decisionCacheTtlMs: own.COFFER_POLICY_CACHE_TTL_MS,
    maxGrantsPerResource: own.COFFER_POLICY_MAX_GRANTS_PER_RESOURCE,
  });
}
