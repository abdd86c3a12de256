import type { metadataV1 } from '@coffer/contracts';
import { AppError, unaryCall } from '@coffer/platform';

/** A file record as the metadata service returns it. */
export type FileRecord = metadataV1.FileRecord;
/** One stored version of a file. */
export type FileVersion = metadataV1.FileVersion;

/**
 * The metadata service, as the file service uses it: file records and versions. Requests and
 * responses are the contract's own messages, so the gRPC implementation stays a thin adapter
 * and tests can hold records in memory. Failures are AppErrors (`not_found`, `conflict`,
 * `quota_exceeded`, `unavailable`, …).
 */
export interface FileRecords {
  createFile(request: metadataV1.CreateFileRequest): Promise<metadataV1.CreateFileResponse>;
  /** `not_found` for an unknown or purged id (and for a trashed one unless includeDeleted). */
  getFile(request: metadataV1.GetFileRequest): Promise<FileRecord>;
  listFiles(request: metadataV1.ListFilesRequest): Promise<metadataV1.ListFilesResponse>;
  updateFile(request: metadataV1.UpdateFileRequest): Promise<FileRecord>;
  /** Resolves with the storage keys to delete on purge (none when trashing). */
  deleteFile(request: metadataV1.DeleteFileRequest): Promise<string[]>;
  restoreFile(request: metadataV1.RestoreFileRequest): Promise<FileRecord>;
  /** Newest first. */
  listVersions(fileId: string): Promise<FileVersion[]>;
  getUsage(ownerId: string): Promise<{ bytesUsed: number; fileCount: number }>;
  quarantineFile(request: metadataV1.QuarantineFileRequest): Promise<void>;
  /** Which of `storageKeys` no version refers to. */
  findUnreferencedKeys(storageKeys: readonly string[]): Promise<string[]>;
  /** Versions in storage-key order, after `afterStorageKey` ('' = from the start). */
  scanVersions(afterStorageKey: string, pageSize: number): Promise<FileVersion[]>;
}

/** {@link FileRecords} over the metadata service's gRPC API (mTLS client from the platform). */
export class GrpcFileRecords implements FileRecords {
  constructor(
    private readonly client: metadataV1.MetadataServiceClient,
    private readonly deadlineMs: number,
  ) {}

  createFile(request: metadataV1.CreateFileRequest): Promise<metadataV1.CreateFileResponse> {
    return unaryCall(this.client.createFile.bind(this.client), request, this.deadlineMs);
  }

  async getFile(request: metadataV1.GetFileRequest): Promise<FileRecord> {
    return required((await unaryCall(this.client.getFile.bind(this.client), request, this.deadlineMs)).file);
  }

  listFiles(request: metadataV1.ListFilesRequest): Promise<metadataV1.ListFilesResponse> {
    return unaryCall(this.client.listFiles.bind(this.client), request, this.deadlineMs);
  }

  async updateFile(request: metadataV1.UpdateFileRequest): Promise<FileRecord> {
    return required((await unaryCall(this.client.updateFile.bind(this.client), request, this.deadlineMs)).file);
  }

  async deleteFile(request: metadataV1.DeleteFileRequest): Promise<string[]> {
    return (await unaryCall(this.client.deleteFile.bind(this.client), request, this.deadlineMs)).purgedStorageKeys;
  }

  async restoreFile(request: metadataV1.RestoreFileRequest): Promise<FileRecord> {
    return required((await unaryCall(this.client.restoreFile.bind(this.client), request, this.deadlineMs)).file);
  }

  async listVersions(fileId: string): Promise<FileVersion[]> {
    return (await unaryCall(this.client.listVersions.bind(this.client), { fileId }, this.deadlineMs)).versions;
  }

  async getUsage(ownerId: string): Promise<{ bytesUsed: number; fileCount: number }> {
    const usage = await unaryCall(this.client.getUsage.bind(this.client), { ownerId }, this.deadlineMs);
    return { bytesUsed: usage.bytesUsed, fileCount: usage.fileCount };
  }

  async quarantineFile(request: metadataV1.QuarantineFileRequest): Promise<void> {
    await unaryCall(this.client.quarantineFile.bind(this.client), request, this.deadlineMs);
  }

  async findUnreferencedKeys(storageKeys: readonly string[]): Promise<string[]> {
    return (await unaryCall(this.client.findUnreferencedKeys.bind(this.client), { storageKeys: [...storageKeys] }, this.deadlineMs)).storageKeys;
  }

  async scanVersions(afterStorageKey: string, pageSize: number): Promise<FileVersion[]> {
    return (await unaryCall(this.client.scanVersions.bind(this.client), { afterStorageKey, pageSize }, this.deadlineMs)).versions;
  }
}

function required(file: FileRecord | undefined): FileRecord {
  if (file === undefined) throw new AppError('internal', { detail: 'The metadata service answered without a file record.' });
  return file;
}
