import { metadataV1 } from '@coffer/contracts';
import { AppError, unaryHandler, type Logger } from '@coffer/platform';
import type { FileRepository, FileVersionRecord, FileWithVersion } from './file-repository.js';
import { MAX_FOLDER_LENGTH, MAX_NAME_LENGTH } from './metadata-migrations.js';
import type { FileSortKey } from './page-token.js';

/** ListFiles page size when the caller gives none (0). */
export const DEFAULT_PAGE_SIZE = 50;
/** Larger ListFiles page sizes are lowered to this. */
export const MAX_PAGE_SIZE = 200;
/** ScanVersions page size when the caller gives none (0). */
export const DEFAULT_SCAN_PAGE_SIZE = 100;
/** Larger ScanVersions page sizes are lowered to this. */
export const MAX_SCAN_PAGE_SIZE = 1_000;
/** Most storage keys one FindUnreferencedKeys call may ask about. */
export const MAX_KEYS_PER_CALL = 1_000;
/** Most shared file ids one ListFiles call may carry. */
export const MAX_SHARED_FILE_IDS = 10_000;
/** Folder of a file created without one. */
export const ROOT_FOLDER = '/';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const TOKEN = "[a-z0-9!#$&^_.+-]+";
const CONTENT_TYPE_FILTER = new RegExp(`^${TOKEN}/(${TOKEN}|\\*)$`);

/** What the MetadataService handlers need. */
export interface MetadataServiceDeps {
  readonly repository: FileRepository;
}

/**
 * The operations of `coffer.metadata.v1.MetadataService`, request in, response out:
 * validation, repository calls and the mapping to the contract's messages, without gRPC. The
 * file service authorizes every request before it gets here (and the peer allowlist lets only
 * it call); this layer enforces data rules only.
 */
export class MetadataOperations {
  private readonly repository: FileRepository;

  constructor(deps: MetadataServiceDeps) {
    this.repository = deps.repository;
  }

  /** A new file, or a new version; `conflict` with if_absent, `quota_exceeded` over quota. */
  async createFile(request: metadataV1.CreateFileRequest): Promise<metadataV1.CreateFileResponse> {
    const file = request.file;
    if (file === undefined) throw invalid('file: is required.');
    const ownerId = requireUuid(file.ownerId, 'file.ownerId');
    const actorId = requireUuid(request.actorId, 'actorId');
    const fileId = request.fileId.trim() === '' ? undefined : requireUuid(request.fileId, 'fileId');
    if (fileId !== undefined && request.ifAbsent) throw invalid('ifAbsent: cannot be combined with fileId.');
    const name = fileId === undefined ? requireName(file.name) : file.name;
    const folder = fileId === undefined ? requireFolder(file.folder === '' ? ROOT_FOLDER : file.folder) : file.folder;
    if (!Number.isSafeInteger(file.sizeBytes) || file.sizeBytes < 0) throw invalid('file.sizeBytes: must be a whole number >= 0.');
    if (!SHA256_HEX.test(file.sha256)) throw invalid('file.sha256: must be 64 lowercase hex digits.');
    if (file.storageKey === '' || file.storageKey.length > 1_024) throw invalid('file.storageKey: is required and at most 1024 characters.');
    if (file.declaredContentType.length > 255 || file.sniffedContentType.length > 255) throw invalid('file.contentType: must be at most 255 characters.');
    if (file.hmacSha256.length > 128 || file.hmacKeyId.length > 200) throw invalid('file.hmacSha256: is too long.');
    const maxBytes = request.quota?.maxBytes ?? 0;
    const maxFiles = request.quota?.maxFiles ?? 0;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0 || !Number.isSafeInteger(maxFiles) || maxFiles < 0) {
      throw invalid('quota: limits must be whole numbers >= 0.');
    }
    const result = await this.repository.createFile({
      ownerId,
      name,
      folder,
      fileId,
      ifAbsent: request.ifAbsent,
      quota: { maxBytes, maxFiles },
      content: {
        sizeBytes: file.sizeBytes,
        declaredContentType: file.declaredContentType,
        sniffedContentType: file.sniffedContentType,
        sha256: file.sha256,
        hmacSha256: file.hmacSha256,
        hmacKeyId: file.hmacKeyId,
        storageKey: file.storageKey,
      },
      actorId,
      traceparent: request.traceparent,
      authorizedBy: request.authorizedBy,
    });
    return { file: toFileRecord(result.file), created: result.created };
  }

  /** One record: version 0 = current; trashed only with include_deleted. */
  async getFile(request: metadataV1.GetFileRequest): Promise<metadataV1.GetFileResponse> {
    const id = lookupId(request.id, 'id');
    if (!Number.isInteger(request.version) || request.version < 0) throw invalid('version: must not be negative.');
    const file = await this.repository.getFile(id, { version: request.version, includeDeleted: request.includeDeleted });
    return { file: toFileRecord(found(file)) };
  }

  /** The owner's files and the live shared ones, one keyset page at a time. */
  async listFiles(request: metadataV1.ListFilesRequest): Promise<metadataV1.ListFilesResponse> {
    if (!Number.isInteger(request.pageSize) || request.pageSize < 0) throw invalid('pageSize: must not be negative.');
    const pageSize = request.pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(request.pageSize, MAX_PAGE_SIZE);
    const needsOwner = request.includeOwned || request.trashed;
    const ownerId = needsOwner ? requireUuid(request.ownerId, 'ownerId') : request.ownerId;
    if (request.sharedFileIds.length > MAX_SHARED_FILE_IDS) throw invalid(`sharedFileIds: at most ${MAX_SHARED_FILE_IDS} ids.`);
    // A malformed id matches no file, like an unknown one.
    const sharedFileIds = [...new Set(request.sharedFileIds.map((id) => id.trim().toLowerCase()).filter((id) => UUID.test(id)))];
    const contentType = request.contentType.trim().toLowerCase();
    if (contentType !== '' && !CONTENT_TYPE_FILTER.test(contentType)) throw invalid('contentType: must be type/subtype or type/*.');
    const page = await this.repository.listFiles({
      ownerId,
      includeOwned: request.includeOwned,
      sharedFileIds,
      trashed: request.trashed,
      folder: request.folder === '' ? undefined : request.folder,
      namePrefix: request.namePrefix === '' ? undefined : request.namePrefix,
      contentType: contentType === '' ? undefined : contentType,
      sort: sortKey(request.sort),
      descending: request.descending,
      pageSize,
      pageToken: request.pageToken,
    });
    return { files: page.files.map((file) => toFileRecord(file)), nextPageToken: page.nextPageToken ?? '' };
  }

  /** Rename and/or move a live file; nothing set or nothing different changes nothing. */
  async updateFile(request: metadataV1.UpdateFileRequest): Promise<metadataV1.UpdateFileResponse> {
    const id = lookupId(request.id, 'id');
    const actorId = requireUuid(request.actorId, 'actorId');
    const name = request.name === undefined ? undefined : requireName(request.name);
    const folder = request.folder === undefined ? undefined : requireFolder(request.folder);
    const file = await this.repository.updateFile(id, { name, folder }, { actorId, traceparent: request.traceparent, authorizedBy: request.authorizedBy });
    return { file: toFileRecord(found(file)) };
  }

  /** To the trash, or purged with every version (the caller deletes the returned keys). */
  async deleteFile(request: metadataV1.DeleteFileRequest): Promise<metadataV1.DeleteFileResponse> {
    const id = lookupId(request.id, 'id');
    const context = { actorId: requireUuid(request.actorId, 'actorId'), traceparent: request.traceparent, authorizedBy: request.authorizedBy };
    if (request.purge) {
      const keys = await this.repository.purgeFile(id, context);
      if (keys === undefined) throw notFound();
      return { purgedStorageKeys: keys };
    }
    if (!(await this.repository.trashFile(id, context))) throw notFound();
    return { purgedStorageKeys: [] };
  }

  /** Out of the trash; `conflict` when a live file took the name meanwhile. */
  async restoreFile(request: metadataV1.RestoreFileRequest): Promise<metadataV1.RestoreFileResponse> {
    const id = lookupId(request.id, 'id');
    const actorId = requireUuid(request.actorId, 'actorId');
    const file = await this.repository.restoreFile(id, { actorId, traceparent: request.traceparent, authorizedBy: request.authorizedBy });
    return { file: toFileRecord(found(file)) };
  }

  /** Every version of a file (live or trashed), newest first. */
  async listVersions(request: metadataV1.ListVersionsRequest): Promise<metadataV1.ListVersionsResponse> {
    const id = lookupId(request.fileId, 'fileId');
    const versions = await this.repository.listVersions(id);
    if (versions === undefined) throw notFound();
    return { versions: versions.map(toFileVersion) };
  }

  /** Bytes and files stored by an owner; zero for an owner who never uploaded. */
  async getUsage(request: metadataV1.GetUsageRequest): Promise<metadataV1.GetUsageResponse> {
    const usage = await this.repository.getUsage(requireUuid(request.ownerId, 'ownerId'));
    return { bytesUsed: usage.bytesUsed, fileCount: usage.fileCount };
  }

  /** Marks a version whose bytes failed verification (version 0 = current). */
  async quarantineFile(request: metadataV1.QuarantineFileRequest): Promise<metadataV1.QuarantineFileResponse> {
    const fileId = lookupId(request.fileId, 'fileId');
    if (!Number.isInteger(request.version) || request.version < 0) throw invalid('version: must not be negative.');
    if (request.detectedBy !== 'read' && request.detectedBy !== 'scrub') throw invalid('detectedBy: must be "read" or "scrub".');
    const reason = request.reason.trim();
    if (reason === '' || reason.length > 500) throw invalid('reason: is required and at most 500 characters.');
    const marked = await this.repository.quarantine({ fileId, version: request.version, reason, detectedBy: request.detectedBy, traceparent: request.traceparent });
    if (!marked) throw notFound();
    return {};
  }

  /** Which of the keys no version refers to (at most 1000 keys per call). */
  async findUnreferencedKeys(request: metadataV1.FindUnreferencedKeysRequest): Promise<metadataV1.FindUnreferencedKeysResponse> {
    if (request.storageKeys.length > MAX_KEYS_PER_CALL) throw invalid(`storageKeys: at most ${MAX_KEYS_PER_CALL} keys per call.`);
    return { storageKeys: await this.repository.findUnreferencedKeys(request.storageKeys) };
  }

  /** Versions in storage-key order after a cursor; page_size 0 = 100, at most 1000. */
  async scanVersions(request: metadataV1.ScanVersionsRequest): Promise<metadataV1.ScanVersionsResponse> {
    if (!Number.isInteger(request.pageSize) || request.pageSize < 0) throw invalid('pageSize: must not be negative.');
    const pageSize = request.pageSize === 0 ? DEFAULT_SCAN_PAGE_SIZE : Math.min(request.pageSize, MAX_SCAN_PAGE_SIZE);
    const versions = await this.repository.scanVersions(request.afterStorageKey, pageSize);
    return { versions: versions.map(toFileVersion) };
  }
}

/** The grpc-js implementation of MetadataService: each RPC through the platform's `unaryHandler`. */
export function metadataServiceImplementation(operations: MetadataOperations, logger: Logger): metadataV1.MetadataServiceServer {
  return {
    createFile: unaryHandler(logger, (request: metadataV1.CreateFileRequest) => operations.createFile(request)),
    getFile: unaryHandler(logger, (request: metadataV1.GetFileRequest) => operations.getFile(request)),
    listFiles: unaryHandler(logger, (request: metadataV1.ListFilesRequest) => operations.listFiles(request)),
    updateFile: unaryHandler(logger, (request: metadataV1.UpdateFileRequest) => operations.updateFile(request)),
    deleteFile: unaryHandler(logger, (request: metadataV1.DeleteFileRequest) => operations.deleteFile(request)),
    restoreFile: unaryHandler(logger, (request: metadataV1.RestoreFileRequest) => operations.restoreFile(request)),
    listVersions: unaryHandler(logger, (request: metadataV1.ListVersionsRequest) => operations.listVersions(request)),
    getUsage: unaryHandler(logger, (request: metadataV1.GetUsageRequest) => operations.getUsage(request)),
    quarantineFile: unaryHandler(logger, (request: metadataV1.QuarantineFileRequest) => operations.quarantineFile(request)),
    findUnreferencedKeys: unaryHandler(logger, (request: metadataV1.FindUnreferencedKeysRequest) => operations.findUnreferencedKeys(request)),
    scanVersions: unaryHandler(logger, (request: metadataV1.ScanVersionsRequest) => operations.scanVersions(request)),
  };
}

/** The contract's FileRecord: fields 5–12 from the version the record carries. */
export function toFileRecord(file: FileWithVersion): metadataV1.FileRecord {
  const version = file.version;
  return {
    id: file.id,
    ownerId: file.ownerId,
    name: file.name,
    folder: file.folder,
    sizeBytes: version.sizeBytes,
    declaredContentType: version.declaredContentType,
    sniffedContentType: version.sniffedContentType,
    sha256: version.sha256,
    hmacSha256: version.hmacSha256,
    hmacKeyId: version.hmacKeyId,
    storageKey: version.storageKey,
    version: version.version,
    createdAt: file.createdAt,
    updatedAt: file.updatedAt,
    deletedAt: file.deletedAt,
    quarantinedAt: version.quarantinedAt,
    versionCount: file.versionCount,
  };
}

/** The contract's FileVersion. */
export function toFileVersion(version: FileVersionRecord): metadataV1.FileVersion {
  return {
    fileId: version.fileId,
    version: version.version,
    sizeBytes: version.sizeBytes,
    declaredContentType: version.declaredContentType,
    sniffedContentType: version.sniffedContentType,
    sha256: version.sha256,
    hmacSha256: version.hmacSha256,
    hmacKeyId: version.hmacKeyId,
    storageKey: version.storageKey,
    createdBy: version.createdBy,
    createdAt: version.createdAt,
    quarantinedAt: version.quarantinedAt,
  };
}

function sortKey(sort: metadataV1.FileSort): FileSortKey {
  switch (sort) {
    case metadataV1.FileSort.FILE_SORT_UNSPECIFIED:
    case metadataV1.FileSort.FILE_SORT_NAME:
      return 'name';
    case metadataV1.FileSort.FILE_SORT_SIZE:
      return 'size';
    case metadataV1.FileSort.FILE_SORT_UPDATED_AT:
      return 'updated_at';
    case metadataV1.FileSort.UNRECOGNIZED:
    default:
      throw invalid('sort: is not a known order.');
  }
}

/** A UUID the caller must send (owner, actor): missing or malformed is the caller's mistake. */
function requireUuid(raw: string, field: string): string {
  const value = raw.trim();
  if (value === '') throw invalid(`${field}: is required.`);
  if (!UUID.test(value)) throw invalid(`${field}: must be a UUID.`);
  return value.toLowerCase();
}

/** The id of a record to look up: missing is a mistake, malformed is answered like unknown. */
function lookupId(raw: string, field: string): string {
  const value = raw.trim();
  if (value === '') throw invalid(`${field}: is required.`);
  if (!UUID.test(value)) throw notFound();
  return value.toLowerCase();
}

function requireName(name: string): string {
  if (name === '' || name.length > MAX_NAME_LENGTH) throw invalid(`name: is required and at most ${MAX_NAME_LENGTH} characters.`);
  return name;
}

function requireFolder(folder: string): string {
  if (folder === '' || folder.length > MAX_FOLDER_LENGTH) throw invalid(`folder: is required and at most ${MAX_FOLDER_LENGTH} characters.`);
  return folder;
}

function found<T>(value: T | undefined): T {
  if (value === undefined) throw notFound();
  return value;
}

function invalid(detail: string): AppError {
  return new AppError('invalid_argument', { detail });
}

function notFound(): AppError {
  return new AppError('not_found', { detail: 'The file does not exist.' });
}
