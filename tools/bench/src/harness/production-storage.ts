import type { Client } from 'minio';
import { emptyAndRemoveBucket, productionEngineEnv, s3ClientFor } from '@coffer/dev-platform';
import { createTemporaryPostgresDatabase, uniqueName, type EngineEndpoints } from '@coffer/testing';

/** The production engines for one bench platform: a fresh database, bucket and ClickHouse database. */
export interface ProductionStorage {
  /** Storage settings for every service. */
  readonly env: Readonly<Record<string, string>>;
  /** The bucket the file service keeps objects in (created by the file service on start). */
  readonly bucket: string;
  /** A client of the same S3 server, for the direct baselines. */
  readonly s3: Client;
  tearDown(): Promise<void>;
}

/**
 * What tools/dev-platform/test/storage-targets.ts (`productionTarget`) gives an end-to-end
 * platform, plus ClickHouse for audit rows: the platform as it runs in production, on loopback.
 */
export async function createProductionStorage(endpoints: EngineEndpoints): Promise<ProductionStorage> {
  const database = await createTemporaryPostgresDatabase('coffer_bench');
  const bucket = uniqueName('bench-files', '-').toLowerCase();
  const clickhouseDatabase = uniqueName('coffer_bench', '_');
  const clickhouse = new URL(endpoints.clickhouse.url);
  const s3 = s3ClientFor(endpoints);
  return {
    env: {
      ...productionEngineEnv(endpoints, { databaseUrl: database.url, bucket }),
      COFFER_AUDIT_STORE_URL: `clickhouse://${clickhouse.host}/${clickhouseDatabase}`,
    },
    bucket,
    s3,
    tearDown: async () => {
      await database.drop();
      await fetch(`${endpoints.clickhouse.url.replace(/\/$/, '')}/?query=${encodeURIComponent(`DROP DATABASE IF EXISTS ${clickhouseDatabase}`)}`, { method: 'POST' }).catch(() => undefined);
      // Best effort: a bucket left behind on the loopback S3 server must not cost the run's report.
      await emptyAndRemoveBucket(s3, bucket).catch((error: unknown) => process.stderr.write(`bench: could not remove bucket ${bucket}: ${String(error)}\n`));
    },
  };
}

