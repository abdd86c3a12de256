import { Client } from 'minio';
import type { EngineEndpoints } from '@coffer/testing';

/** A minio client of the loopback S3 server of .coffer/engines/env (tests, bench, hardening). */
export function s3ClientFor(endpoints: EngineEndpoints): Client {
  const url = new URL(endpoints.s3.endpoint);
  return new Client({
    endPoint: url.hostname,
    port: Number(url.port),
    useSSL: url.protocol === 'https:',
    accessKey: endpoints.s3.accessKey,
    secretKey: endpoints.s3.secretKey,
    region: endpoints.s3.region,
  });
}

/**
 * Empties and removes a bucket, open multipart uploads included. Listed in pages of 200
 * (`listObjectsQuery`, as S3ObjectStore.list does) rather than with the streaming
 * listObjectsV2, whose XML parser gives up on large listings ("Entity expansion limit exceeded").
 */
export async function emptyAndRemoveBucket(s3: Client, bucket: string): Promise<void> {
  if (!(await s3.bucketExists(bucket))) return;
  for (;;) {
    const page = await s3.listObjectsQuery(bucket, '', '', { Delimiter: '', MaxKeys: 200 });
    const keys = page.objects.flatMap((item) => (item.name === undefined ? [] : [item.name]));
    if (keys.length === 0) break;
    await s3.removeObjects(bucket, keys);
  }
  for await (const upload of s3.listIncompleteUploads(bucket, '', true) as AsyncIterable<{ key?: string }>) {
    if (upload.key) await s3.removeIncompleteUpload(bucket, upload.key);
  }
  await s3.removeBucket(bucket);
}
