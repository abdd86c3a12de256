import { createServer } from 'node:net';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { loadEngineEndpoints, requireEngine, uniqueName } from '@coffer/testing';
import { Client } from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN_PART_SIZE, createObjectStoreFromUrl, type ObjectStore } from '../src/index.js';
import { describeObjectStoreContract, expectAppError } from './object-store.contract.js';

const endpoints = loadEngineEndpoints();
const endpointUrl = new URL(endpoints.s3.endpoint);
const admin = new Client({
  endPoint: endpointUrl.hostname,
  port: Number(endpointUrl.port),
  useSSL: endpointUrl.protocol === 'https:',
  accessKey: endpoints.s3.accessKey,
  secretKey: endpoints.s3.secretKey,
  region: endpoints.s3.region,
});
const buckets: string[] = [];
const bucketOf = new WeakMap<ObjectStore, string>();

function storeUrl(bucket: string, endpoint = endpoints.s3.endpoint): string {
  return `s3://${bucket}?endpoint=${encodeURIComponent(endpoint)}&region=${endpoints.s3.region}`;
}

function credentials(): { accessKey: string; secretKey: string } {
  return { accessKey: endpoints.s3.accessKey, secretKey: endpoints.s3.secretKey };
}

async function openStore(): Promise<ObjectStore> {
  const bucket = uniqueName('objtest', '-');
  buckets.push(bucket);
  // The smallest part size S3 allows, so multipart paths run on small bodies.
  const store = createObjectStoreFromUrl(storeUrl(bucket), { ...credentials(), partSize: MIN_PART_SIZE });
  bucketOf.set(store, bucket);
  await store.prepare();
  return store;
}

async function incompleteUploads(bucket: string, key: string): Promise<string[]> {
  const found: string[] = [];
  for await (const item of admin.listIncompleteUploads(bucket, key, true) as AsyncIterable<{ key: string }>) {
    found.push(item.key);
  }
  return found;
}

async function removeBucket(bucket: string): Promise<void> {
  if (!(await admin.bucketExists(bucket))) return;
  // Listed through the store: the client's own listing fails on more than ~500 objects (see S3ObjectStore.list).
  const store = createObjectStoreFromUrl(storeUrl(bucket), credentials());
  const names: string[] = [];
  for await (const name of store.list()) names.push(name);
  if (names.length > 0) await admin.removeObjects(bucket, names);
  for await (const item of admin.listIncompleteUploads(bucket, '', true) as AsyncIterable<{ key: string }>) {
    await admin.removeIncompleteUpload(bucket, item.key);
  }
  await admin.removeBucket(bucket);
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

beforeAll(async () => {
  await requireEngine('s3', async () => admin.listBuckets(), { endpoints });
});

afterAll(async () => {
  for (const bucket of buckets) await removeBucket(bucket);
});

describeObjectStoreContract('s3 (MinIO)', {
  open: openStore,
  expectNoLeftovers: async (store, key) => {
    const bucket = bucketOf.get(store);
    if (bucket === undefined) throw new Error('store not opened by this file');
    expect(await incompleteUploads(bucket, key)).toEqual([]);
  },
  // Buckets are removed by this file's afterAll, after the S3-only tests.
  cleanup: () => Promise.resolve(),
});

describe('S3ObjectStore on real MinIO', () => {
  it('lists buckets of more than 1,000 objects (pages small enough for the XML parser’s entity limit)', async () => {
    const store = await openStore();
    const keys = Array.from({ length: 1_203 }, (_, i) => `many/${String(i).padStart(5, '0')}`);
    const bucket = bucketOf.get(store) ?? '';
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((key) => admin.putObject(bucket, key, Buffer.from('x'), 1)));
    }
    const listed: string[] = [];
    for await (const key of store.list('many/')) listed.push(key);
    expect(listed).toEqual(keys);
  }, 120_000);

  it('creates its bucket at start-up when it is missing', async () => {
    const bucket = uniqueName('objtest', '-');
    buckets.push(bucket);
    const store = createObjectStoreFromUrl(storeUrl(bucket), credentials());
    expect(await admin.bucketExists(bucket)).toBe(false);
    await expectAppError(store.checkReady(), 'unavailable');
    await store.prepare();
    expect(await admin.bucketExists(bucket)).toBe(true);
    await store.prepare();
    await expect(store.checkReady()).resolves.toBeUndefined();
  });

  it('sends a body above the part size as a multipart upload, and one part as a single PUT', async () => {
    const store = await openStore();
    const bucket = bucketOf.get(store) ?? '';
    const multi = await store.put('multi', Readable.from([Buffer.alloc(MIN_PART_SIZE * 2 + 7, 7)]));
    expect(multi.etag).toMatch(/-3$/);
    const single = await store.put('single', Readable.from([Buffer.alloc(MIN_PART_SIZE, 1)]));
    expect(single.etag).toMatch(/^[0-9a-f]{32}$/);
    await store.put('typed', Readable.from([Buffer.from('{}')]), { contentType: 'application/json' });
    expect((await admin.statObject(bucket, 'typed')).metaData['content-type']).toBe('application/json');
    expect(await incompleteUploads(bucket, '')).toEqual([]);
  });

  it('fails fast with unavailable and a retry hint when S3 refuses connections', async () => {
    const port = await closedPort();
    const store = createObjectStoreFromUrl(storeUrl('no-such-server', `http://127.0.0.1:${port}`), credentials());
    const started = performance.now();
    const error = await expectAppError(store.get('some/key'), 'unavailable');
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(2_000);
    await expectAppError(store.stat('some/key'), 'unavailable');
    await expectAppError(store.put('some/key', Readable.from([Buffer.from('x')])), 'unavailable');
    await expectAppError(store.delete('some/key'), 'unavailable');
    await expectAppError(store.prepare(), 'unavailable');
    await expectAppError(store.checkReady(), 'unavailable');
    await expect((async () => {
      for await (const key of store.list()) expect(key).toBeUndefined();
    })()).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('maps bad credentials to an internal error without echoing them', async () => {
    const store = createObjectStoreFromUrl(storeUrl(uniqueName('objtest', '-')), { accessKey: 'coffer-test', secretKey: 'wrong-secret-value' });
    const error = await store.stat('x').then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toMatchObject({ code: 'internal' });
    expect(JSON.stringify(error)).not.toContain('wrong-secret-value');
    expect(String(error)).not.toContain('wrong-secret-value');
  });

  it('keeps credentials out of anything a logger would print', async () => {
    const store = await openStore();
    expect(inspect(store, { depth: 10 })).not.toContain(endpoints.s3.secretKey);
    expect(JSON.stringify(store)).not.toContain(endpoints.s3.secretKey);
  });
});
