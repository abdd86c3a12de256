import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createObjectStoreFromUrl } from '@coffer/object-storage';
import { productionEngineEnv } from '../src/production-engine-env.js';
import { s3ClientFor } from '../src/s3-test-bucket.js';
import { createTemporaryPostgresDatabase, loadEngineEndpoints, requireEngine, uniqueName } from '@coffer/testing';

/** What an end-to-end test may look at and break in the platform's object store. */
export interface ObjectInspector {
  /** Every stored object (temporary ones included: a failed upload must leave none), sorted. */
  list(): Promise<string[]>;
  /** Flips one bit in the middle of a stored object, behind the platform's back. */
  corrupt(object: string): Promise<void>;
}

/** Where the platform under test keeps its state. */
export interface PlatformTarget {
  readonly name: string;
  readonly portOffset: number;
  /** Environment for every service, and how to inspect the objects; `tearDown` removes what it made. */
  setUp(workDir: string): Promise<{ env: Record<string, string>; objects: ObjectInspector; tearDown(): Promise<void> }>;
}

const flipMiddleBit = (bytes: Buffer): Buffer => {
  const middle = Math.floor(bytes.length / 2);
  bytes[middle] = (bytes[middle] ?? 0) ^ 0x01;
  return bytes;
};

/** The embedded defaults of `make dev`: PGlite, the filesystem store, the embedded bus, memory limits. */
export const embeddedTarget: PlatformTarget = {
  name: 'the embedded defaults (PGlite, filesystem store, embedded bus)',
  portOffset: 12_000,
  setUp: (workDir) => {
    const root = join(workDir, 'data', 'file', 'objects');
    const objects: ObjectInspector = {
      list: () => {
        try {
          return Promise.resolve(
            readdirSync(root, { recursive: true, withFileTypes: true })
              .filter((entry) => entry.isFile())
              .map((entry) => join(entry.parentPath, entry.name))
              .sort(),
          );
        } catch {
          return Promise.resolve([]);
        }
      },
      corrupt: (path) => {
        writeFileSync(path, flipMiddleBit(readFileSync(path)));
        return Promise.resolve();
      },
    };
    return Promise.resolve({ env: {}, objects, tearDown: () => Promise.resolve() });
  },
};

/** The production engines, on the project's loopback servers: PostgreSQL, S3 (MinIO), Kafka, Redis. */
export const productionTarget: PlatformTarget = {
  name: 'the production engines (PostgreSQL, S3, Kafka, Redis)',
  portOffset: 15_000,
  setUp: async () => {
    const endpoints = loadEngineEndpoints();
    const database = await createTemporaryPostgresDatabase('coffer_e2e');
    const bucket = uniqueName('e2e-files', '-').toLowerCase();
    const s3 = s3ClientFor(endpoints);
    await requireEngine('s3', () => s3.listBuckets(), { endpoints });
    const env = productionEngineEnv(endpoints, { databaseUrl: database.url, bucket });
    const storeUrl = env['COFFER_OBJECT_STORE_URL'] ?? '';
    // Listed through the platform's own store: the client's listing fails past ~500 objects (S3ObjectStore.list).
    const listKeys = async (): Promise<string[]> => {
      const keys: string[] = [];
      for await (const key of createObjectStoreFromUrl(storeUrl, { accessKey: endpoints.s3.accessKey, secretKey: endpoints.s3.secretKey }).list()) keys.push(key);
      return keys;
    };
    const objects: ObjectInspector = {
      list: async () => {
        if (!(await s3.bucketExists(bucket))) return [];
        const keys = await listKeys();
        // Multipart uploads still open would be parts kept behind our back: count them too.
        for await (const upload of s3.listIncompleteUploads(bucket, '', true) as AsyncIterable<{ key?: string }>) keys.push(`incomplete:${upload.key ?? ''}`);
        return keys.sort();
      },
      corrupt: async (key) => {
        const chunks: Buffer[] = [];
        for await (const chunk of await s3.getObject(bucket, key)) chunks.push(chunk as Buffer);
        const bytes = flipMiddleBit(Buffer.concat(chunks));
        await s3.putObject(bucket, key, bytes, bytes.length);
      },
    };
    return {
      env,
      objects,
      tearDown: async () => {
        await database.drop();
        if (await s3.bucketExists(bucket)) {
          const keys = await listKeys();
          for (let i = 0; i < keys.length; i += 500) await s3.removeObjects(bucket, keys.slice(i, i + 500));
          await s3.removeBucket(bucket);
        }
      },
    };
  },
};
