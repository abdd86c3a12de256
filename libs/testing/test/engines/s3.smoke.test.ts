import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { Client, type BucketItem } from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEngineEndpoints, requireEngine, uniqueName } from '../../src/index.js';

describe('s3 (real server, minio client)', () => {
  const endpoints = loadEngineEndpoints();
  const endpoint = new URL(endpoints.s3.endpoint);
  const s3 = new Client({
    endPoint: endpoint.hostname,
    port: Number(endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80)),
    useSSL: endpoint.protocol === 'https:',
    accessKey: endpoints.s3.accessKey,
    secretKey: endpoints.s3.secretKey,
    region: endpoints.s3.region,
    pathStyle: true,
  });
  const bucket = uniqueName('coffer-smoke', '-');
  const objectName = 'smoke/blob.bin';
  // 1 MiB + a few bytes, so the object does not end on a chunk boundary.
  const content = randomBytes(1024 * 1024 + 123);
  let bucketCreated = false;

  beforeAll(async () => {
    // listBuckets is signed, so it checks the credentials as well as the port.
    await requireEngine('s3', () => s3.listBuckets(), { endpoints });
  });

  afterAll(async () => {
    if (!bucketCreated || !(await s3.bucketExists(bucket))) return;
    // Left over from a failed test: empty the bucket, then remove it.
    const names: string[] = [];
    // BucketStream's async iterator is typed `any`; the items are BucketItems.
    for await (const entry of s3.listObjectsV2(bucket, '', true)) {
      const item = entry as BucketItem;
      if (item.name !== undefined) names.push(item.name);
    }
    if (names.length > 0) await s3.removeObjects(bucket, names);
    await s3.removeBucket(bucket);
  });

  it('makes a unique bucket', async () => {
    expect(await s3.bucketExists(bucket)).toBe(false);
    await s3.makeBucket(bucket, endpoints.s3.region);
    bucketCreated = true;
    expect(await s3.bucketExists(bucket)).toBe(true);
  });

  it('puts an object from a stream and stats it', async () => {
    const chunks = Array.from({ length: Math.ceil(content.length / 64_000) }, (_, i) =>
      content.subarray(i * 64_000, (i + 1) * 64_000),
    );
    const uploaded = await s3.putObject(bucket, objectName, Readable.from(chunks), content.length, {
      'Content-Type': 'application/octet-stream',
      'X-Amz-Meta-Purpose': 'smoke',
    });
    expect(uploaded.etag).toMatch(/^[0-9a-f]{32}$/);

    const stat = await s3.statObject(bucket, objectName);
    expect(stat.size).toBe(content.length);
    expect(stat.etag).toBe(uploaded.etag);
    expect(stat.metaData).toMatchObject({ 'content-type': 'application/octet-stream', purpose: 'smoke' });
  });

  it('gets the whole object back byte for byte', async () => {
    const downloaded = await readAll(await s3.getObject(bucket, objectName));
    expect(downloaded.length).toBe(content.length);
    expect(sha256(downloaded)).toBe(sha256(content));
  });

  it('gets a byte range', async () => {
    const offset = 512 * 1024 + 7;
    const length = 1000;
    const part = await readAll(await s3.getPartialObject(bucket, objectName, offset, length));
    expect(part.equals(content.subarray(offset, offset + length))).toBe(true);
  });

  it('removes the object and the bucket', async () => {
    await s3.removeObject(bucket, objectName);
    await expect(s3.statObject(bucket, objectName)).rejects.toMatchObject({ code: 'NotFound' });
    await s3.removeBucket(bucket);
    expect(await s3.bucketExists(bucket)).toBe(false);
  });
});

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
