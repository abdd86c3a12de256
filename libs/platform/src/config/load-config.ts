import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** Thrown at start-up when configuration is invalid; the message names every bad key. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

// URLs may carry credentials (postgres://user:password@…), so their values are never echoed either.
const secretKeyPattern = /SECRET|PASSWORD|TOKEN|PRIVATE|_KEY$|CREDENTIAL|_URL$/i;

/**
 * Parses configuration once, at start-up. The schema's keys are environment variable names.
 * Values come from an optional JSON file named by `COFFER_CONFIG_FILE` (an object with the
 * same keys), overridden by the environment. Unknown keys are ignored; bad keys fail with a
 * message naming each of them (values of secret-looking keys are never echoed).
 */
export function loadConfig<Shape extends z.ZodRawShape>(
  schema: z.ZodObject<Shape>,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<z.infer<z.ZodObject<Shape>>> {
  const fromFile = readConfigFile(env['COFFER_CONFIG_FILE']);
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key] !== undefined && env[key] !== '' ? env[key] : fromFile[key];
    if (value !== undefined) input[key] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const key = issue.path.map(String).join('.') || '(root)';
        const raw = input[key];
        const shown = raw === undefined ? 'missing' : secretKeyPattern.test(key) ? 'got [redacted]' : `got ${JSON.stringify(raw)}`;
        return `${key}: ${issue.message} (${shown})`;
      }),
    );
  }
  return Object.freeze(result.data);
}

function readConfigFile(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([`COFFER_CONFIG_FILE: cannot read JSON from ${path} (${(error as Error).message})`]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`COFFER_CONFIG_FILE: ${path} must hold a JSON object`]);
  }
  return parsed as Record<string, unknown>;
}

/** Common value schemas. */
export const configValues = {
  port: () => z.coerce.number().int().min(0).max(65535),
  host: () => z.string().min(1),
  /** host:port */
  address: () => z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port'),
  positiveInt: () => z.coerce.number().int().positive(),
  boolean: () =>
    z.union([z.boolean(), z.enum(['true', 'false', '1', '0'])]).transform((v) => v === true || v === 'true' || v === '1'),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  url: () => z.url(),
} as const;
