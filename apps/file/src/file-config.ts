import { z } from 'zod';
import { parseDatabaseUrl } from '@coffer/db';
import { ConfigError, configValues, loadConfig, loadServiceConfig, type ServiceConfig } from '@coffer/platform';
import { parseContentTypeList } from './content/content-type-rules.js';
import { DEFAULT_SHARING_LIMITS } from './files/file-operations.js';

/** 5 GiB: the default largest file (COFFER_MAX_FILE_SIZE_BYTES). */
export const DEFAULT_MAX_FILE_SIZE_BYTES = 5 * 1024 ** 3;

/** Settings of the file service beyond those every service has. Parsed once, then frozen. */
export interface FileConfig extends ServiceConfig {
  /**
   * Where object bytes live (COFFER_OBJECT_STORE_URL): `s3://bucket?endpoint=…` or
   * `file:///abs/dir`. Undefined: `<COFFER_DATA_DIR>/file/objects`, or a fresh temporary folder
   * when COFFER_DATA_DIR is unset too (resolved at start-up, see `resolveObjectStoreUrl`).
   */
  readonly objectStoreUrl: string | undefined;
  /** S3 credentials (COFFER_S3_ACCESS_KEY, COFFER_S3_SECRET_KEY); never logged. */
  readonly s3Credentials: { readonly accessKey: string; readonly secretKey: string } | undefined;
  /** COFFER_DATA_DIR: where development state lives when nothing more specific is set. */
  readonly dataDir: string | undefined;
  /** COFFER_CONTENT_KEYS_FILE: the HMAC key ring of content MACs. */
  readonly contentKeysFile: string | undefined;
  /** COFFER_DATABASE_URL: the service's own small database, which holds only its outbox. */
  readonly databaseUrl: string;
  /** COFFER_EVENT_BUS_URL: where the outbox relay publishes. */
  readonly eventBusUrl: string;
  readonly limits: {
    /** COFFER_MAX_FILE_SIZE_BYTES. */
    readonly maxFileSizeBytes: number;
    /** COFFER_QUOTA_MAX_BYTES per owner; 0 = unlimited. */
    readonly quotaMaxBytes: number;
    /** COFFER_QUOTA_MAX_FILES per owner; 0 = unlimited. */
    readonly quotaMaxFiles: number;
  };
  /** COFFER_MAX_SHARES_PER_FILE / COFFER_MAX_LINKS_PER_FILE: count caps, `limit_exceeded` past them. */
  readonly sharing: { readonly maxSharesPerFile: number; readonly maxLinksPerFile: number };
  /** COFFER_ALLOWED_CONTENT_TYPES / COFFER_DENIED_CONTENT_TYPES (comma lists of patterns). */
  readonly contentTypes: { readonly allow: readonly string[]; readonly deny: readonly string[] };
  /** COFFER_VERIFY_ON_READ: re-check SHA-256 and HMAC on every full download. */
  readonly verifyOnRead: boolean;
  /** COFFER_FILE_RECONCILE_INTERVAL_MS: how often orphan objects are looked for. */
  readonly reconcileIntervalMs: number;
  /** COFFER_FILE_ORPHAN_GRACE_SECONDS: objects younger than this are never reconciled away. */
  readonly orphanGraceSeconds: number;
  /** COFFER_FILE_SCRUB_INTERVAL_MS: 0 = the scrubber is off. */
  readonly scrubIntervalMs: number;
  /** COFFER_METADATA_DEADLINE_MS / COFFER_POLICY_DEADLINE_MS: per-call deadlines. */
  readonly metadataDeadlineMs: number;
  readonly policyDeadlineMs: number;
}

/** setTimeout's largest delay; a larger one fires after 1 ms instead. */
const MAX_TIMER_MS = 2_147_483_647;

const fileSchema = z.object({
  COFFER_OBJECT_STORE_URL: z.string().min(1).optional(),
  COFFER_S3_ACCESS_KEY: z.string().min(1).optional(),
  COFFER_S3_SECRET_KEY: z.string().min(1).optional(),
  COFFER_DATA_DIR: z.string().min(1).optional(),
  COFFER_CONTENT_KEYS_FILE: z.string().min(1).optional(),
  COFFER_DATABASE_URL: z.string().min(1).default('pglite://memory'),
  COFFER_EVENT_BUS_URL: z.string().min(1).default('embedded://'),
  COFFER_MAX_FILE_SIZE_BYTES: configValues.positiveInt().max(Number.MAX_SAFE_INTEGER).default(DEFAULT_MAX_FILE_SIZE_BYTES),
  COFFER_QUOTA_MAX_BYTES: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  COFFER_QUOTA_MAX_FILES: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  COFFER_MAX_SHARES_PER_FILE: configValues.positiveInt().default(DEFAULT_SHARING_LIMITS.maxSharesPerFile),
  COFFER_MAX_LINKS_PER_FILE: configValues.positiveInt().default(DEFAULT_SHARING_LIMITS.maxLinksPerFile),
  COFFER_ALLOWED_CONTENT_TYPES: z.string().default(''),
  COFFER_DENIED_CONTENT_TYPES: z.string().default(''),
  COFFER_VERIFY_ON_READ: configValues.boolean().default(true),
  COFFER_FILE_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(1_000).max(MAX_TIMER_MS).default(3_600_000),
  COFFER_FILE_ORPHAN_GRACE_SECONDS: z.coerce.number().int().min(0).max(365 * 24 * 3_600).default(3_600),
  COFFER_FILE_SCRUB_INTERVAL_MS: z.coerce.number().int().min(0).max(MAX_TIMER_MS).default(0),
  COFFER_METADATA_DEADLINE_MS: configValues.positiveInt().default(5_000),
  COFFER_POLICY_DEADLINE_MS: configValues.positiveInt().default(5_000),
});

/** Loads the file service's settings from the environment (and COFFER_CONFIG_FILE). No I/O beyond that. */
export function loadFileConfig(env: NodeJS.ProcessEnv = process.env): FileConfig {
  const own = loadConfig(fileSchema, env);
  const problems: string[] = [];
  try {
    parseDatabaseUrl(own.COFFER_DATABASE_URL);
  } catch (error) {
    problems.push(`COFFER_DATABASE_URL: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (own.COFFER_OBJECT_STORE_URL !== undefined && !/^(s3|file):\/\//.test(own.COFFER_OBJECT_STORE_URL)) {
    // The URL itself is not repeated: it may be pasted with credentials by mistake.
    problems.push('COFFER_OBJECT_STORE_URL: must start with s3:// or file://');
  }
  if ((own.COFFER_S3_ACCESS_KEY === undefined) !== (own.COFFER_S3_SECRET_KEY === undefined)) {
    problems.push('COFFER_S3_ACCESS_KEY and COFFER_S3_SECRET_KEY must be set together');
  }
  const allow = contentTypeList('COFFER_ALLOWED_CONTENT_TYPES', own.COFFER_ALLOWED_CONTENT_TYPES, problems);
  const deny = contentTypeList('COFFER_DENIED_CONTENT_TYPES', own.COFFER_DENIED_CONTENT_TYPES, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    ...loadServiceConfig('file', env),
    objectStoreUrl: own.COFFER_OBJECT_STORE_URL,
    s3Credentials:
      own.COFFER_S3_ACCESS_KEY === undefined || own.COFFER_S3_SECRET_KEY === undefined
        ? undefined
        : Object.freeze({ accessKey: own.COFFER_S3_ACCESS_KEY, secretKey: own.COFFER_S3_SECRET_KEY }),
    dataDir: own.COFFER_DATA_DIR,
    contentKeysFile: own.COFFER_CONTENT_KEYS_FILE,
    databaseUrl: own.COFFER_DATABASE_URL,
    eventBusUrl: own.COFFER_EVENT_BUS_URL,
    limits: Object.freeze({
      maxFileSizeBytes: own.COFFER_MAX_FILE_SIZE_BYTES,
      quotaMaxBytes: own.COFFER_QUOTA_MAX_BYTES,
      quotaMaxFiles: own.COFFER_QUOTA_MAX_FILES,
    }),
    sharing: Object.freeze({ maxSharesPerFile: own.COFFER_MAX_SHARES_PER_FILE, maxLinksPerFile: own.COFFER_MAX_LINKS_PER_FILE }),
    contentTypes: Object.freeze({ allow: Object.freeze(allow), deny: Object.freeze(deny) }),
    verifyOnRead: own.COFFER_VERIFY_ON_READ,
    reconcileIntervalMs: own.COFFER_FILE_RECONCILE_INTERVAL_MS,
    orphanGraceSeconds: own.COFFER_FILE_ORPHAN_GRACE_SECONDS,
    scrubIntervalMs: own.COFFER_FILE_SCRUB_INTERVAL_MS,
    metadataDeadlineMs: own.COFFER_METADATA_DEADLINE_MS,
    policyDeadlineMs: own.COFFER_POLICY_DEADLINE_MS,
  });
}

function contentTypeList(name: string, csv: string, problems: string[]): string[] {
  try {
    return parseContentTypeList(csv);
  } catch (error) {
    problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    return [];
  }
}
