import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyAndRemoveBucket, launchPlatform, productionEngineEnv, s3ClientFor, type LaunchOptions, type RunningPlatform } from '@coffer/dev-platform';
import { ensureDevCertificates } from '@coffer/pki';
import { ALL_SERVICES } from '@coffer/platform';
import { createTemporaryPostgresDatabase, loadEngineEndpoints, requireEngine, uniqueName, type EngineEndpoints } from '@coffer/testing';
import type { Client as MinioClient } from 'minio';

/**
 * Limits raised out of the way: every request of the hardening suites comes from 127.0.0.1 and
 * a handful of users, and what they test is the platform, not the rate limiter (the abuse suite
 * sets the limits it tests itself).
 */
export const LIMITS_OUT_OF_THE_WAY: Readonly<Record<string, string>> = Object.freeze({
  COFFER_RATE_LIMIT_CREDENTIALS: '100000',
  COFFER_RATE_LIMIT_ANONYMOUS: '100000',
  COFFER_RATE_LIMIT_BAD_TOKENS: '100000',
  COFFER_RATE_LIMIT_USER: '1000000',
  COFFER_SIGNUPS_PER_ADDRESS: '100000',
  COFFER_LOGIN_ATTEMPTS_PER_ADDRESS: '1000000',
});

export interface HardeningPlatformOptions {
  readonly rootDir: string;
  /** Whole hundreds, at most 15 400 (tools/dev-platform/src/platform-ports.ts). */
  readonly portOffset: number;
  /** Names the temporary database, the bucket (and so the event namespace) and the work directory. */
  readonly name: 'abuse' | 'fuzz' | 'harden';
  /** Service environment on top of the engines' (limits, webhooks, audit store). */
  readonly env: Record<string, string>;
  readonly onLine?: LaunchOptions['onLine'];
  readonly onUnexpectedExit?: LaunchOptions['onUnexpectedExit'];
  /** Default 240 s: the machine is small and shared; a platform on Kafka may take minutes to settle. */
  readonly healthyTimeoutMs?: number;
  /** Runs after the database, bucket and work directory exist and before the services start (a ClickHouse database, a webhook receiver); its clean-ups run at stop. */
  readonly prepare?: (place: { endpoints: EngineEndpoints; workDir: string; addCleanup: (step: () => Promise<unknown>) => void }) => Promise<Record<string, string>>;
}

/** The eight services on the production engines, each suite's own place on them, and its clean-up. */
export interface HardeningPlatform {
  readonly platform: RunningPlatform;
  readonly endpoints: EngineEndpoints;
  readonly bucket: string;
  readonly s3: MinioClient;
  /** COFFER_OBJECT_STORE_URL of the services (their bucket on the S3 server). */
  readonly objectStoreUrl: string;
  /** Stops the services, then drops the database, removes the bucket and everything `prepare` set up (each step even if one before failed). */
  readonly stop: () => Promise<void>;
}

/**
 * Starts the whole platform on PostgreSQL (a temporary database), S3 (a bucket of its own,
 * whose name is also the platform's event namespace), Kafka and Redis. A missing engine fails
 * (requireEngine), it never skips. If start-up fails, what was made is removed again.
 */
export async function startHardeningPlatform(options: HardeningPlatformOptions): Promise<HardeningPlatform> {
  const endpoints = loadEngineEndpoints({ cwd: options.rootDir });
  const s3 = s3ClientFor(endpoints);
  await requireEngine('s3', () => s3.listBuckets(), { endpoints });
  const workDir = mkdtempSync(join(tmpdir(), `coffer-${options.name}-`));
  const cleanups: (() => Promise<unknown>)[] = [() => Promise.resolve(rmSync(workDir, { recursive: true, force: true }))];
  const stop = async (): Promise<void> => {
    for (const step of cleanups.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        console.error(`hardening: clean-up step failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  try {
    const database = await createTemporaryPostgresDatabase(`coffer_${options.name}`);
    cleanups.push(() => database.drop());
    const bucket = uniqueName(options.name, '-').toLowerCase();
    cleanups.push(() => emptyAndRemoveBucket(s3, bucket));
    const prepared = (await options.prepare?.({ endpoints, workDir, addCleanup: (step) => cleanups.push(step) })) ?? {};
    await ensureDevCertificates(join(workDir, 'certs'), ALL_SERVICES);
    const engineEnv = productionEngineEnv(endpoints, { databaseUrl: database.url, bucket });
    const platform = launchPlatform({
      rootDir: options.rootDir,
      certDir: join(workDir, 'certs'),
      dataDir: join(workDir, 'data'),
      portOffset: options.portOffset,
      env: { COFFER_LOG_LEVEL: 'warn', ...engineEnv, ...prepared, ...options.env },
      onLine: options.onLine ?? (() => undefined),
      ...(options.onUnexpectedExit === undefined ? {} : { onUnexpectedExit: options.onUnexpectedExit }),
    });
    cleanups.push(() => platform.stop());
    await platform.waitUntilHealthy(options.healthyTimeoutMs ?? 240_000);
    return { platform, endpoints, bucket, s3, objectStoreUrl: engineEnv['COFFER_OBJECT_STORE_URL'] ?? '', stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
