import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The real engines that integration tests run against (tools/engines/PORTS.md). */
export const ENGINE_NAMES = ['postgres', 'redis', 'kafka', 's3', 'clickhouse'] as const;

/** One of {@link ENGINE_NAMES}; also the argument `tools/engines/engines.sh up` takes. */
export type EngineName = (typeof ENGINE_NAMES)[number];

/**
 * The connection settings of every engine, by variable name, as `tools/engines/engines.sh up`
 * writes them. These are the values used when neither the environment nor the env file has one.
 */
export const ENGINE_ENV_DEFAULTS = Object.freeze({
  COFFER_TEST_POSTGRES_URL: 'postgres://coffer:coffer@127.0.0.1:55432/coffer',
  COFFER_TEST_REDIS_URL: 'redis://127.0.0.1:56379',
  COFFER_TEST_KAFKA_BROKERS: '127.0.0.1:59092',
  COFFER_TEST_S3_ENDPOINT: 'http://127.0.0.1:59000',
  COFFER_TEST_S3_ACCESS_KEY: 'coffer-test',
  COFFER_TEST_S3_SECRET_KEY: 'coffer-test-secret-key',
  COFFER_TEST_S3_REGION: 'us-east-1',
  COFFER_TEST_CLICKHOUSE_URL: 'http://127.0.0.1:58123',
});

/** A variable name from {@link ENGINE_ENV_DEFAULTS}. */
export type EngineEnvKey = keyof typeof ENGINE_ENV_DEFAULTS;

/** Where the engines listen and how to log in. Frozen, deeply. */
export interface EngineEndpoints {
  readonly postgres: { readonly url: string };
  readonly redis: { readonly url: string };
  /** `host:port` entries, in the order given. */
  readonly kafka: { readonly brokers: readonly string[] };
  readonly s3: {
    readonly endpoint: string;
    readonly accessKey: string;
    readonly secretKey: string;
    readonly region: string;
  };
  /** HTTP interface; user `default`, no password. */
  readonly clickhouse: { readonly url: string };
}

/** Inputs of {@link loadEngineEndpoints}; every field has a default, tests override them. */
export interface LoadEngineEndpointsOptions {
  /** Highest priority. Default: `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * The `KEY=value` file written by `engines.sh up`. Default: `$COFFER_ENGINES_DIR/env`, else
   * `<repo>/.coffer/engines/env`. A missing file is fine (the defaults apply).
   */
  readonly envFile?: string;
  /** Where the search for the repo root (the folder with nx.json) starts. Default: `process.cwd()`. */
  readonly cwd?: string;
}

/**
 * Reads the engines' connection settings. Each variable is taken from the environment, else
 * from the env file `engines.sh up` writes, else from {@link ENGINE_ENV_DEFAULTS}; an empty
 * value counts as unset. Fails with a message naming the variable when a value is malformed.
 */
export function loadEngineEndpoints(options: LoadEngineEndpointsOptions = {}): EngineEndpoints {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const envFile = options.envFile ?? defaultEngineEnvFile(env, cwd);
  const fromFile = envFile !== undefined && existsSync(envFile) ? parseEnvFile(readFileSync(envFile, 'utf8')) : {};

  const value = (key: EngineEnvKey): string => nonEmpty(env[key]) ?? nonEmpty(fromFile[key]) ?? ENGINE_ENV_DEFAULTS[key];

  return Object.freeze({
    postgres: Object.freeze({ url: urlValue('COFFER_TEST_POSTGRES_URL', value('COFFER_TEST_POSTGRES_URL')) }),
    redis: Object.freeze({ url: urlValue('COFFER_TEST_REDIS_URL', value('COFFER_TEST_REDIS_URL')) }),
    kafka: Object.freeze({ brokers: brokerList('COFFER_TEST_KAFKA_BROKERS', value('COFFER_TEST_KAFKA_BROKERS')) }),
    s3: Object.freeze({
      endpoint: urlValue('COFFER_TEST_S3_ENDPOINT', value('COFFER_TEST_S3_ENDPOINT')),
      accessKey: value('COFFER_TEST_S3_ACCESS_KEY'),
      secretKey: value('COFFER_TEST_S3_SECRET_KEY'),
      region: value('COFFER_TEST_S3_REGION'),
    }),
    clickhouse: Object.freeze({ url: urlValue('COFFER_TEST_CLICKHOUSE_URL', value('COFFER_TEST_CLICKHOUSE_URL')) }),
  });
}

/**
 * Where an engine listens, as `host:port` (a comma-separated list for Kafka), for messages.
 * Never includes credentials.
 */
export function engineAddress(endpoints: EngineEndpoints, name: EngineName): string {
  switch (name) {
    case 'postgres':
      return new URL(endpoints.postgres.url).host;
    case 'redis':
      return new URL(endpoints.redis.url).host;
    case 'kafka':
      return endpoints.kafka.brokers.join(',');
    case 's3':
      return new URL(endpoints.s3.endpoint).host;
    case 'clickhouse':
      return new URL(endpoints.clickhouse.url).host;
  }
}

/**
 * Parses `KEY=value` lines, as `engines.sh` writes them: blank lines and `#` comments are
 * skipped, an optional `export ` prefix is allowed, the value is everything after the first
 * `=` (trimmed; one pair of matching surrounding quotes is removed). Lines that are not an
 * assignment are ignored. A later line wins, as when the file is sourced by a shell.
 */
export function parseEnvFile(text: string): Readonly<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(line);
    if (!match) continue;
    const [, key, rawValue] = match;
    if (key === undefined || rawValue === undefined) continue;
    result[key] = unquote(rawValue.trim());
  }
  return Object.freeze(result);
}

/** The nearest folder at or above `start` that holds nx.json, or undefined. */
export function findRepoRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The env file `engines.sh` writes: `$COFFER_ENGINES_DIR/env` when that is set (relative to
 * `cwd`, as the script resolves it), else `<repo>/.coffer/engines/env`, the repo being found
 * from `cwd` or, failing that, from this module's own location.
 */
export function defaultEngineEnvFile(env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  const enginesDir = env['COFFER_ENGINES_DIR'];
  if (enginesDir !== undefined && enginesDir !== '') return join(resolve(cwd, enginesDir), 'env');
  const root = findRepoRoot(cwd) ?? findRepoRoot(dirname(fileURLToPath(import.meta.url)));
  return root === undefined ? undefined : join(root, '.coffer', 'engines', 'env');
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function unquote(value: string): string {
  const quoted = value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0];
  return quoted ? value.slice(1, -1) : value;
}

function urlValue(key: EngineEnvKey, value: string): string {
  try {
    new URL(value);
  } catch {
    throw new Error(`${key} must be a URL (got ${JSON.stringify(redactUrl(value))})`);
  }
  return value;
}

function brokerList(key: EngineEnvKey, value: string): readonly string[] {
  const brokers = value
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
  const bad = brokers.filter((broker) => !/^[^\s:]+:\d{1,5}$/.test(broker));
  if (brokers.length === 0 || bad.length > 0) {
    throw new Error(`${key} must be a comma-separated list of host:port (got ${JSON.stringify(value)})`);
  }
  return Object.freeze(brokers);
}

/** Hides a password in something that may be a URL with credentials (it failed to parse). */
function redactUrl(value: string): string {
  return value.replace(/\/\/([^:/@\s]*):[^@/\s]*@/, '//$1:[redacted]@');
}
