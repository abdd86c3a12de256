import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyAndRemoveBucket, launchPlatform, productionEngineEnv, s3ClientFor, type RunningPlatform } from '@coffer/dev-platform';
import { ensureDevCertificates } from '@coffer/pki';
import { ALL_SERVICES } from '@coffer/platform';
import { createTemporaryPostgresDatabase, loadEngineEndpoints, requireEngine, uniqueName } from '@coffer/testing';

/** Port offset of the contract-fuzzing platform (a whole hundred, see platform-ports.ts). */
export const FUZZ_PORT_OFFSET = 3_500;

/** Lifetime of the fuzz user's access token: the auth service's ceiling (COFFER_ACCESS_TOKEN_TTL_S ≤ 3600). */
export const FUZZ_ACCESS_TOKEN_TTL_S = 3_600;

export interface FuzzPlatform {
  readonly gatewayUrl: string;
  /** Stops the services, drops the database and removes the bucket with its objects. */
  stop(): Promise<void>;
}

/**
 * The whole platform on the production engines (PostgreSQL in a temporary database, S3 in a
 * bucket of its own, Kafka, Redis), with limits raised so the fuzzer meets the contract rather
 * than the rate limiter, and webhooks allowed to loopback only (the hooks point every generated
 * endpoint at 127.0.0.1:9, where nothing listens: no delivery leaves the machine).
 */
export async function startFuzzPlatform(options: { rootDir: string; portOffset?: number; onLine?: (line: string) => void }): Promise<FuzzPlatform> {
  const endpoints = loadEngineEndpoints({ cwd: options.rootDir });
  const s3 = s3ClientFor(endpoints);
  await requireEngine('s3', () => s3.listBuckets(), { endpoints });
  const database = await createTemporaryPostgresDatabase('coffer_fuzz');
  const bucket = uniqueName('fuzz', '-').toLowerCase();
  const workDir = mkdtempSync(join(tmpdir(), 'coffer-fuzz-'));
  let platform: RunningPlatform | undefined;
  const stop = async () => {
    try {
      await platform?.stop();
    } finally {
      await database.drop();
      await emptyAndRemoveBucket(s3, bucket);
      rmSync(workDir, { recursive: true, force: true });
    }
  };
  try {
    await ensureDevCertificates(join(workDir, 'certs'), ALL_SERVICES);
    platform = launchPlatform({
      rootDir: options.rootDir,
      certDir: join(workDir, 'certs'),
      dataDir: join(workDir, 'data'),
      portOffset: options.portOffset ?? FUZZ_PORT_OFFSET,
      env: {
        ...productionEngineEnv(endpoints, { databaseUrl: database.url, bucket }),
        COFFER_LOG_LEVEL: 'warn',
        COFFER_ACCESS_TOKEN_TTL_S: String(FUZZ_ACCESS_TOKEN_TTL_S),
        // Every request comes from 127.0.0.1 and one user: raise the limits out of the way.
        COFFER_RATE_LIMIT_CREDENTIALS: '100000',
        COFFER_RATE_LIMIT_ANONYMOUS: '100000',
        COFFER_RATE_LIMIT_USER: '1000000',
        COFFER_SIGNUPS_PER_ADDRESS: '100000',
        COFFER_LOGIN_ATTEMPTS_PER_ADDRESS: '100000',
        COFFER_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32',
        COFFER_WEBHOOK_RETRY_SCHEDULE: '0',
      },
      onLine: (_service, _stream, line) => options.onLine?.(line),
    });
    // Generous: the machine is small and shared; a platform on Kafka may take minutes to settle.
    await platform.waitUntilHealthy(240_000);
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return { gatewayUrl: platform.gatewayUrl, stop };
}
