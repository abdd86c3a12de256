/**
 * @coffer/object-storage: object bytes behind one interface, on S3 or the local filesystem
 * (docs/adr/0012-object-storage.md).
 */
export type {
  ByteRange,
  GetObjectOptions,
  ObjectContent,
  ObjectStat,
  ObjectStore,
  PutObjectOptions,
  PutObjectResult,
} from './object-store.js';
export { MAX_OBJECT_KEY_LENGTH, MAX_OBJECT_KEY_SEGMENT_LENGTH, validateListPrefix, validateObjectKey } from './object-key.js';
export { FilesystemObjectStore, type FilesystemObjectStoreOptions } from './filesystem-object-store.js';
export { DEFAULT_PART_SIZE, MIN_PART_SIZE, S3ObjectStore, type S3ObjectStoreOptions } from './s3-object-store.js';
export { createObjectStoreFromUrl, type ObjectStoreFromUrlOptions } from './create-object-store-from-url.js';
export { STORAGE_RETRY_AFTER_SECONDS, toStorageError } from './storage-error.js';
