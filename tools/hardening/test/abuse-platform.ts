import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emptyAndRemoveBucket, launchPlatform, productionEngineEnv, s3ClientFor, type RunningPlatform } from '@coffer/dev-platform';
import { createObjectStoreFromUrl } from '@coffer/object-storage';
import { ALL_SERVICES } from '@coffer/platform';
import { ensureDevCertificates } from '@coffer/pki';
import { createTemporaryPostgresDatabase, loadEngineEndpoints, requireEngine, uniqueName } from '@coffer/testing';

/** A whole platform on the production engines for the abuse tests, and a look into its bucket. */
export interface AbusePlatform {
  readonly platform: RunningPlatform;
  /** Every object in the bucket, open multipart uploads included (as `incomplete:<key>`), sorted. */
  objects(): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * Starts the eight services on PostgreSQL (a temporary database), S3 (a unique bucket), Kafka
 * and Redis with `env` on top. A missing engine fails (requireEngine), it never skips.
 */
export async function startAbusePlatform(portOffset: number, env: Record<string, string>): Promise<AbusePlatform> {
  const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const workDir = mkdtempSync(join(tmpdir(), 'coffer-abuse-'));
  const endpoints = loadEngineEndpoints();
  const s3 = s3ClientFor(endpoints);
  await requireEngine('s3', () => s3.listBuckets(), { endpoints });
  const database = await createTemporaryPostgresDatabase('coffer_abuse');
  const bucket = uniqueName('abuse', '-').toLowerCase();
  const engineEnv = productionEngineEnv(endpoints, { databaseUrl: database.url, bucket });
  const store = createObjectStoreFromUrl(engineEnv['COFFER_OBJECT_STORE_URL'] ?? '', { accessKey: endpoints.s3.accessKey, secretKey: endpoints.s3.secretKey });
  const listKeys = async (): Promise<string[]> => {
    const keys: string[] = [];
    for await (const key of store.list()) keys.push(key);
    return keys;
  };
  await ensureDevCertificates(join(workDir, 'certs'), ALL_SERVICES);
  const platform = launchPlatform({
    rootDir,
    certDir: join(workDir, 'certs'),
    dataDir: join(workDir, 'data'),
    portOffset,
    env: { COFFER_LOG_LEVEL: 'warn', ...engineEnv, ...env },
    onLine: () => undefined,
  });
  try {
    await platform.waitUntilHealthy(120_000);
  } catch (error) {
    await platform.stop();
    await database.drop();
    throw error;
  }
  return {
    platform,
    objects: async () => {
      if (!(await s3.bucketExists(bucket))) return [];
      const keys = await listKeys();
      for await (const upload of s3.listIncompleteUploads(bucket, '', true) as AsyncIterable<{ key?: string }>) keys.push(`incomplete:${upload.key ?? ''}`);
      return keys.sort();
    },
    stop: async () => {
      await platform.stop();
      await database.drop();
      await emptyAndRemoveBucket(s3, bucket);
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
