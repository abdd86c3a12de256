import { temporaryFilesystemStore } from '../src/testing/file-service-harness.fixture.js';
import { describeStorageBehaviour } from './storage-behaviour.contract.js';

describeStorageBehaviour('the filesystem store', async () => {
  const { store, remove } = await temporaryFilesystemStore();
  return { store, dispose: remove };
});
