import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningPlatform } from '@coffer/dev-platform';
import { createObjectStoreFromUrl } from '@coffer/object-storage';
import { startHardeningPlatform } from '../src/platform/hardening-platform.js';

/** A whole platform on the production engines for the abuse tests, and a look into its bucket. */
export interface AbusePlatform {
  readonly platform: RunningPlatform;
  /** Every object in the bucket, open multipart uploads included (as `incomplete:<key>`), sorted. */
  objects(): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * Starts the eight services on PostgreSQL (a temporary database), S3 (a unique bucket), Kafka
 * and Redis with `env` on top (the limits under test). A missing engine fails, it never skips.
 */
export async function startAbusePlatform(portOffset: number, env: Record<string, string>): Promise<AbusePlatform> {
  const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const { platform, endpoints, bucket, s3, objectStoreUrl, stop } = await startHardeningPlatform({ rootDir, portOffset, name: 'abuse', env, healthyTimeoutMs: 120_000 });
  const store = createObjectStoreFromUrl(objectStoreUrl, { accessKey: endpoints.s3.accessKey, secretKey: endpoints.s3.secretKey });
  return {
    platform,
    objects: async () => {
      if (!(await s3.bucketExists(bucket))) return [];
      const keys: string[] = [];
      for await (const key of store.list()) keys.push(key);
      for await (const upload of s3.listIncompleteUploads(bucket, '', true) as AsyncIterable<{ key?: string }>) keys.push(`incomplete:${upload.key ?? ''}`);
      return keys.sort();
    },
    stop,
  };
}
