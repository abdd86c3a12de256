import { randomBytes, randomUUID } from 'node:crypto';
import type { metadataV1, policyV1 } from '@coffer/contracts';
import { AppError } from '@coffer/platform';
import type { AccessDecision, AccessPolicy, AccessQuestion, FileAction } from '../collaborators/access-policy.js';
import type { FileRecord, FileRecords, FileVersion } from '../collaborators/file-records.js';
import type { AccessDenied, FileDownloaded, FileEventSink } from '../events/file-event-sink.js';

interface StoredFile {
  id: string;
  ownerId: string;
  name: string;
  folder: string;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | undefined;
  /** Oldest first. */
  versions: FileVersion[];
}

/** Metadata in memory, with the semantics the file service relies on (for unit and storage tests). */
export class InMemoryFileRecords implements FileRecords {
  readonly files = new Map<string, StoredFile>();
  readonly quarantined: metadataV1.QuarantineFileRequest[] = [];
  /** Set to make the next createFile fail with this error. */
  failNextCreate: AppError | undefined;

  createFile(request: metadataV1.CreateFileRequest): Promise<metadataV1.CreateFileResponse> {
    const input = request.file;
    if (input === undefined) throw new AppError('invalid_argument', { detail: 'file is required' });
    if (this.failNextCreate !== undefined) {
      const error = this.failNextCreate;
      this.failNextCreate = undefined;
      return Promise.reject(error);
    }
    let stored = request.fileId !== '' ? this.files.get(request.fileId) : this.findByName(input.ownerId, input.folder, input.name);
    if (request.fileId !== '' && (stored === undefined || stored.deletedAt !== undefined)) return Promise.reject(new AppError('not_found'));
    if (stored !== undefined && request.ifAbsent && request.fileId === '') return Promise.reject(new AppError('conflict', { detail: 'name taken' }));
    const ownerId = stored?.ownerId ?? input.ownerId;
    const usage = this.usageOf(ownerId);
    const quota = request.quota;
    if (quota !== undefined && quota.maxBytes > 0 && usage.bytesUsed + input.sizeBytes > quota.maxBytes) return Promise.reject(new AppError('quota_exceeded'));
    if (quota !== undefined && quota.maxFiles > 0 && stored === undefined && usage.fileCount + 1 > quota.maxFiles) return Promise.reject(new AppError('quota_exceeded'));
    const created = stored === undefined;
    const now = new Date();
    if (stored === undefined) {
      stored = { id: randomUUID(), ownerId, name: input.name, folder: input.folder, createdAt: now, updatedAt: now, deletedAt: undefined, versions: [] };
      this.files.set(stored.id, stored);
    }
    stored.versions.push({
      fileId: stored.id,
      version: stored.versions.length + 1,
      sizeBytes: input.sizeBytes,
      declaredContentType: input.declaredContentType,
      sniffedContentType: input.sniffedContentType,
      sha256: input.sha256,
      hmacSha256: input.hmacSha256,
      hmacKeyId: input.hmacKeyId,
      storageKey: input.storageKey,
      createdBy: request.actorId,
      createdAt: now,
      quarantinedAt: undefined,
    });
    stored.updatedAt = now;
    return Promise.resolve({ file: this.record(stored, 0), created });
  }

  getFile(request: metadataV1.GetFileRequest): Promise<FileRecord> {
    const stored = this.files.get(request.id);
    if (stored === undefined || (stored.deletedAt !== undefined && !request.includeDeleted)) return Promise.reject(new AppError('not_found', { detail: 'File not found.' }));
    if (request.version > stored.versions.length) return Promise.reject(new AppError('not_found', { detail: 'Version not found.' }));
    return Promise.resolve(this.record(stored, request.version));
  }

  listFiles(request: metadataV1.ListFilesRequest): Promise<metadataV1.ListFilesResponse> {
    const shared = new Set(request.sharedFileIds);
    const files = [...this.files.values()]
      .filter((file) => (request.trashed ? file.deletedAt !== undefined : file.deletedAt === undefined))
      .filter((file) => (request.includeOwned && file.ownerId === request.ownerId) || (!request.trashed && shared.has(file.id)))
      .filter((file) => request.folder === '' || file.folder === request.folder)
      .filter((file) => file.name.startsWith(request.namePrefix))
      .map((file) => this.record(file, 0));
    return Promise.resolve({ files, nextPageToken: '' });
  }

  updateFile(request: metadataV1.UpdateFileRequest): Promise<FileRecord> {
    const stored = this.files.get(request.id);
    if (stored === undefined || stored.deletedAt !== undefined) return Promise.reject(new AppError('not_found'));
    if (request.name !== undefined) stored.name = request.name;
    if (request.folder !== undefined) stored.folder = request.folder;
    stored.updatedAt = new Date();
    return Promise.resolve(this.record(stored, 0));
  }

  deleteFile(request: metadataV1.DeleteFileRequest): Promise<string[]> {
    const stored = this.files.get(request.id);
    if (stored === undefined) return Promise.reject(new AppError('not_found'));
    if (!request.purge) {
      stored.deletedAt = new Date();
      return Promise.resolve([]);
    }
    this.files.delete(request.id);
    return Promise.resolve(stored.versions.map((version) => version.storageKey));
  }

  restoreFile(request: metadataV1.RestoreFileRequest): Promise<FileRecord> {
    const stored = this.files.get(request.id);
    if (stored === undefined) return Promise.reject(new AppError('not_found'));
    stored.deletedAt = undefined;
    return Promise.resolve(this.record(stored, 0));
  }

  listVersions(fileId: string): Promise<FileVersion[]> {
    const stored = this.files.get(fileId);
    if (stored === undefined) return Promise.reject(new AppError('not_found'));
    return Promise.resolve([...stored.versions].reverse());
  }

  getUsage(ownerId: string): Promise<{ bytesUsed: number; fileCount: number }> {
    return Promise.resolve(this.usageOf(ownerId));
  }

  quarantineFile(request: metadataV1.QuarantineFileRequest): Promise<void> {
    this.quarantined.push(request);
    const version = this.files.get(request.fileId)?.versions.find((entry) => entry.version === request.version);
    if (version !== undefined) version.quarantinedAt = new Date();
    return Promise.resolve();
  }

  findUnreferencedKeys(storageKeys: readonly string[]): Promise<string[]> {
    const referenced = new Set(this.allVersions().map((version) => version.storageKey));
    return Promise.resolve(storageKeys.filter((key) => !referenced.has(key)));
  }

  scanVersions(afterStorageKey: string, pageSize: number): Promise<FileVersion[]> {
    const sorted = this.allVersions()
      .filter((version) => version.storageKey > afterStorageKey)
      .sort((a, b) => (a.storageKey < b.storageKey ? -1 : 1));
    return Promise.resolve(sorted.slice(0, pageSize));
  }

  private allVersions(): FileVersion[] {
    return [...this.files.values()].flatMap((file) => file.versions);
  }

  private findByName(ownerId: string, folder: string, name: string): StoredFile | undefined {
    return [...this.files.values()].find((file) => file.deletedAt === undefined && file.ownerId === ownerId && file.folder === folder && file.name === name);
  }

  private usageOf(ownerId: string): { bytesUsed: number; fileCount: number } {
    const owned = [...this.files.values()].filter((file) => file.ownerId === ownerId);
    return { bytesUsed: owned.flatMap((file) => file.versions).reduce((sum, version) => sum + version.sizeBytes, 0), fileCount: owned.length };
  }

  private record(stored: StoredFile, versionNumber: number): FileRecord {
    const version = versionNumber === 0 ? stored.versions[stored.versions.length - 1] : stored.versions[versionNumber - 1];
    if (version === undefined) throw new AppError('not_found');
    return {
      id: stored.id,
      ownerId: stored.ownerId,
      name: stored.name,
      folder: stored.folder,
      sizeBytes: version.sizeBytes,
      declaredContentType: version.declaredContentType,
      sniffedContentType: version.sniffedContentType,
      sha256: version.sha256,
      hmacSha256: version.hmacSha256,
      hmacKeyId: version.hmacKeyId,
      storageKey: version.storageKey,
      version: version.version,
      createdAt: stored.createdAt,
      updatedAt: stored.updatedAt,
      deletedAt: stored.deletedAt,
      quarantinedAt: version.quarantinedAt,
      versionCount: stored.versions.length,
    };
  }
}

interface StoredLink {
  link: policyV1.Link;
  token: string;
}

/** The policy service in memory: owners hold everything, grants add actions, explicit denies win. */
export class InMemoryAccessPolicy implements AccessPolicy {
  readonly grants: policyV1.Grant[] = [];
  readonly links: StoredLink[] = [];
  readonly questions: AccessQuestion[] = [];
  readonly revokedResources: string[] = [];
  /** `actorId|action|resource` entries that an explicit Deny statement refuses. */
  readonly denies = new Set<string>();

  authorize(question: AccessQuestion): Promise<AccessDecision> {
    this.questions.push(question);
    if (this.denies.has(`${question.actorId}|${question.action}|${question.resource}`)) return Promise.resolve({ allowed: false, reason: 'explicit-deny:test' });
    if (question.actorId === question.resourceOwnerId) return Promise.resolve({ allowed: true, reason: 'owner' });
    const grant = this.grants.find((entry) => entry.resource === question.resource && entry.granteeId === question.actorId && entry.actions.includes(question.action));
    return Promise.resolve(grant === undefined ? { allowed: false, reason: 'default-deny' } : { allowed: true, reason: `grant:${grant.id}` });
  }

  /** Shares `fileId` with `granteeId` for `actions`. */
  grant(fileId: string, granteeId: string, actions: FileAction[]): policyV1.Grant {
    const grant: policyV1.Grant = { id: randomUUID(), resource: `file/${fileId}`, granteeId, actions, effect: 1, createdBy: 'test', createdAt: new Date(), expiresAt: undefined };
    this.grants.push(grant);
    return grant;
  }

  createGrant(request: policyV1.CreateGrantRequest): Promise<policyV1.Grant> {
    if (request.grant === undefined) return Promise.reject(new AppError('invalid_argument'));
    const grant = { ...request.grant, id: randomUUID(), createdAt: new Date() };
    this.grants.push(grant);
    return Promise.resolve(grant);
  }

  revokeGrant(request: policyV1.RevokeGrantRequest): Promise<void> {
    const index = this.grants.findIndex((grant) => grant.id === request.grantId && grant.resource === request.resource);
    if (index < 0) return Promise.reject(new AppError('not_found'));
    this.grants.splice(index, 1);
    return Promise.resolve();
  }

  listGrants(request: policyV1.ListGrantsRequest): Promise<policyV1.Grant[]> {
    return Promise.resolve(this.grants.filter((grant) => grant.resource === request.resource));
  }

  listGrantedResources(granteeId: string, action: FileAction): Promise<string[]> {
    return Promise.resolve(this.grants.filter((grant) => grant.granteeId === granteeId && grant.actions.includes(action)).map((grant) => grant.resource));
  }

  revokeResourceGrants(resource: string): Promise<void> {
    this.revokedResources.push(resource);
    for (let index = this.grants.length - 1; index >= 0; index -= 1) if (this.grants[index]?.resource === resource) this.grants.splice(index, 1);
    return Promise.resolve();
  }

  createLink(request: policyV1.CreateLinkRequest): Promise<policyV1.CreateLinkResponse> {
    const link: policyV1.Link = { id: randomUUID(), resource: request.resource, version: request.version, createdBy: request.actorId, createdAt: new Date(), expiresAt: request.expiresAt };
    const token = randomBytes(16).toString('base64url');
    this.links.push({ link, token });
    return Promise.resolve({ link, token });
  }

  revokeLink(request: policyV1.RevokeLinkRequest): Promise<void> {
    const index = this.links.findIndex((entry) => entry.link.id === request.linkId && entry.link.resource === request.resource);
    if (index < 0) return Promise.reject(new AppError('not_found'));
    this.links.splice(index, 1);
    return Promise.resolve();
  }

  listLinks(resource: string): Promise<policyV1.Link[]> {
    return Promise.resolve(this.links.filter((entry) => entry.link.resource === resource).map((entry) => entry.link));
  }

  resolveLink(token: string): Promise<policyV1.Link> {
    const found = this.links.find((entry) => entry.token === token);
    return found === undefined ? Promise.reject(new AppError('permission_denied', { detail: 'The link is not valid.' })) : Promise.resolve(found.link);
  }
}

/** Collects the events the file service writes. */
export class InMemoryFileEventSink implements FileEventSink {
  readonly downloads: FileDownloaded[] = [];
  readonly denials: AccessDenied[] = [];

  fileDownloaded(data: FileDownloaded): Promise<void> {
    this.downloads.push(data);
    return Promise.resolve();
  }

  accessDenied(data: AccessDenied): Promise<void> {
    this.denials.push(data);
    return Promise.resolve();
  }
}
