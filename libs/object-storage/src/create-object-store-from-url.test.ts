import { describe, expect, it } from 'vitest';
import { createObjectStoreFromUrl } from './create-object-store-from-url.js';
import { FilesystemObjectStore } from './filesystem-object-store.js';
import { S3ObjectStore } from './s3-object-store.js';


/** The `code` of what `action` throws, or undefined when it does not throw. */
function thrownCode(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  return undefined;
}

describe('createObjectStoreFromUrl', () => {
  it('builds a filesystem store from file:///abs/dir', () => {
    expect(createObjectStoreFromUrl('file:///var/lib/coffer/objects')).toBeInstanceOf(FilesystemObjectStore);
  });

  it('builds an S3 store from s3://bucket with endpoint and region, doing no I/O', () => {
    const store = createObjectStoreFromUrl('s3://coffer-objects?endpoint=http://127.0.0.1:1&region=eu-west-1', {
      accessKey: 'key',
      secretKey: 'secret',
    });
    expect(store).toBeInstanceOf(S3ObjectStore);
    expect(createObjectStoreFromUrl('s3://coffer-objects')).toBeInstanceOf(S3ObjectStore);
  });

  it.each([
    ['an unknown scheme', 'ftp://host/dir'],
    ['not a URL', 'objects'],
    ['credentials in the URL', 's3://user:hunter2@bucket?endpoint=http://127.0.0.1:59000'],
    ['credentials in the endpoint', 's3://bucket?endpoint=http://user:hunter2@127.0.0.1:59000'],
    ['a bad bucket name', 's3://Bad_Bucket'],
    ['a path after the bucket', 's3://bucket/prefix'],
    ['an unknown parameter', 's3://bucket?secretKey=hunter2'],
    ['a non-HTTP endpoint', 's3://bucket?endpoint=ftp://127.0.0.1'],
    ['a file URL with a host', 'file://server/share'],
    ['a file URL with parameters', 'file:///dir?x=1'],
  ])('refuses %s without repeating the URL', (_name, url) => {
    let caught: unknown;
    try {
      createObjectStoreFromUrl(url);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'invalid_argument' });
    expect(String((caught as Error).message)).not.toContain('hunter2');
  });

  it('refuses a part size S3 would reject', () => {
    expect(thrownCode(() => createObjectStoreFromUrl('s3://bucket', { partSize: 1024 }))).toBe('invalid_argument');
  });
});
