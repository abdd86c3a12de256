import { createObjectStoreFromUrl, type ObjectStore } from '@coffer/object-storage';
import { loadEngineEndpoints, uniqueName } from '@coffer/testing';
import { describeStorageBehaviour } from './storage-behaviour.contract.js';

const endpoints = loadEngineEndpoints();

async function emptyAndForget(store: ObjectStore): Promise<void> {
  const keys: string[] = [];
  for await (const key of store.list()) keys.push(key);
  await Promise.all(keys.map((key) => store.delete(key)));
}

describeStorageBehaviour('the S3 server', async () => {
  const bucket = uniqueName('filetest', '-');
  const url = `s3://${bucket}?endpoint=${encodeURIComponent(endpoints.s3.endpoint)}&region=${endpoints.s3.region}`;
  const store = createObjectStoreFromUrl(url, { accessKey: endpoints.s3.accessKey, secretKey: endpoints.s3.secretKey });
  await store.prepare();
  return { store, dispose: () => emptyAndForget(store) };
});
