import { join } from 'node:path';
import { launchPlatform, platformPorts, type PlatformPorts, type RunningPlatform } from '@coffer/dev-platform';
import { ensureDevCertificates } from '@coffer/pki';
import { ALL_SERVICES } from '@coffer/platform';

/**
 * What the pipeline benchmarks (items 6–8: events, webhooks, internal gRPC) get from the
 * runner: a platform already running on the real engines, and the means to drive it.
 */
export interface PipelineContext {
  /** Repository root. */
  rootDir: string;
  /** The running platform's REST base URL. */
  gatewayUrl: string;
  /** The running platform (`process(name)` gives each service's pid). */
  platform: RunningPlatform;
  /** The platform's ports (`platformPorts(offset)` from @coffer/dev-platform). */
  ports: PlatformPorts;
  /** The platform's mTLS certificates (written by `ensureDevCertificates` from @coffer/pki). */
  certDir: string;
  /** The env every service got (engine URLs: Kafka, ClickHouse, Postgres, S3, Redis). */
  env: Readonly<Record<string, string>>;
  /** COFFER_TEST_* endpoints from .coffer/engines/env (`loadEngineEndpoints` in @coffer/testing). */
  engines: Readonly<Record<string, string>>;
  /** A fresh user with an access token. */
  signUp(email: string): Promise<{ userId: string; accessToken: string }>;
  log(line: string): void;
}

/** What every service of a bench platform gets on top of its storage settings: limits that would cap the load. */
export const RAISED_LIMITS: Readonly<Record<string, string>> = Object.freeze({
  COFFER_LOG_LEVEL: 'warn',
  COFFER_RATE_LIMIT_CREDENTIALS: '100000',
  COFFER_RATE_LIMIT_ANONYMOUS: '100000',
  COFFER_RATE_LIMIT_BAD_TOKENS: '100000',
  COFFER_RATE_LIMIT_USER: '100000000',
  COFFER_RATE_LIMIT_UPLOAD_BYTES: String(1024 ** 4),
  COFFER_SIGNUPS_PER_ADDRESS: '100000',
  COFFER_LOGIN_ATTEMPTS_PER_ADDRESS: '100000',
  COFFER_MAX_FILE_SIZE_BYTES: String(2 * 1024 ** 3),
  COFFER_QUOTA_MAX_BYTES: '0',
  COFFER_QUOTA_MAX_FILES: '0',
  // One token lasts the whole run (the most auth allows): a refresh mid-measurement would be noise.
  COFFER_ACCESS_TOKEN_TTL_S: '3600',
});

/** Lets the webhook service deliver to the local plain-HTTP receiver of item 7 (refused in production). */
export const LOCAL_WEBHOOK_RECEIVER: Readonly<Record<string, string>> = Object.freeze({
  COFFER_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
  COFFER_WEBHOOK_ALLOW_HTTP: 'true',
});

/** A platform under measurement and everything needed to drive and then remove it. */
export interface BenchPlatform {
  readonly platform: RunningPlatform;
  readonly gatewayUrl: string;
  readonly ports: PlatformPorts;
  readonly certDir: string;
  readonly env: Readonly<Record<string, string>>;
  signUp(email: string): Promise<{ userId: string; accessToken: string }>;
  /** Stops every service, then removes databases and buckets the platform was given. */
  stop(): Promise<void>;
}

const PASSWORD = 'bench-quartz-lantern-93';

/** Signs up a new user through the gateway and signs in; the benchmarks act as that user. */
export async function signUpThroughGateway(gatewayUrl: string, email: string): Promise<{ userId: string; accessToken: string }> {
  const call = async (method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown> }> => {
    const response = await fetch(`${gatewayUrl}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const created = await call('POST', '/v1/users', { email, displayName: email.split('@')[0], password: PASSWORD });
  if (created.status !== 201 && created.status !== 409) throw new Error(`sign-up of ${email} answered ${created.status}: ${JSON.stringify(created.json)}`);
  const login = await call('POST', '/v1/auth/login', { email, password: PASSWORD });
  if (login.status !== 200) throw new Error(`login of ${email} answered ${login.status}`);
  const accessToken = String(login.json['accessToken']);
  const me = await call('GET', '/v1/users/me', undefined, accessToken);
  if (me.status !== 200) throw new Error(`GET /v1/users/me answered ${me.status}`);
  return { userId: String(me.json['id']), accessToken };
}

export interface StartBenchPlatformOptions {
  readonly rootDir: string;
  /** A fresh folder for certificates and embedded state. */
  readonly workDir: string;
  readonly portOffset: number;
  /** Storage settings (engine URLs) on top of the embedded defaults; empty for the embedded defaults. */
  readonly storageEnv: Readonly<Record<string, string>>;
  /** Removes what `storageEnv` pointed at (databases, bucket) once the platform has stopped. */
  readonly tearDownStorage: () => Promise<void>;
  readonly log: (line: string) => void;
}

/** Launches the eight services with raised limits and waits until the platform is healthy. */
export async function startBenchPlatform(options: StartBenchPlatformOptions): Promise<BenchPlatform> {
  const certDir = join(options.workDir, 'certs');
  await ensureDevCertificates(certDir, ALL_SERVICES);
  const env = { ...RAISED_LIMITS, ...LOCAL_WEBHOOK_RECEIVER, ...options.storageEnv };
  const platform = launchPlatform({
    rootDir: options.rootDir,
    certDir,
    dataDir: join(options.workDir, 'data'),
    portOffset: options.portOffset,
    env,
    onLine: (service, stream, line) => {
      if (stream === 'stderr' || /"level":(50|60)|"level":"(error|fatal)"/.test(line)) options.log(`[${service}] ${line.slice(0, 400)}`);
    },
    onUnexpectedExit: (service, code, signal) => options.log(`[${service}] exited unexpectedly (${code ?? signal ?? '?'})`),
  });
  try {
    await platform.waitUntilHealthy(120_000);
  } catch (error) {
    await platform.stop();
    await options.tearDownStorage();
    throw error;
  }
  return {
    platform,
    gatewayUrl: platform.gatewayUrl,
    ports: platformPorts(options.portOffset),
    certDir,
    env,
    signUp: (email) => signUpThroughGateway(platform.gatewayUrl, email),
    stop: async () => {
      await platform.stop();
      await options.tearDownStorage();
    },
  };
}
