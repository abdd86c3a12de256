import { fileV1, policyV1, type metadataV1 } from '@coffer/contracts';
import { evaluatePreconditions, formatEtag } from '@coffer/http-content';
import type { ObjectStore } from '@coffer/object-storage';
import { AppError, type Logger } from '@coffer/platform';
import { fileIdOfResource, fileResource, type AccessPolicy, type FileAction } from '../collaborators/access-policy.js';
import type { FileRecords } from '../collaborators/file-records.js';
import { validateFileName, validateFolderPath } from '../content/file-names.js';
import { requireActor, type FileAccess } from './file-access.js';
import type { UploadLimits } from './upload-operation.js';

export interface FileOperationsDeps {
  records: FileRecords;
  policy: AccessPolicy;
  access: FileAccess;
  store: ObjectStore;
  limits: UploadLimits;
  logger: Logger;
  /** Count caps on a file's sharing; default {@link DEFAULT_SHARING_LIMITS}. */
  sharing?: SharingLimits;
  /** For tests; default `() => new Date()`. */
  now?: () => Date;
}

/** How many shares and live links one file may have (COFFER_MAX_SHARES_PER_FILE, COFFER_MAX_LINKS_PER_FILE). */
export interface SharingLimits {
  readonly maxSharesPerFile: number;
  readonly maxLinksPerFile: number;
}

/** Enough for any real sharing, small enough that one user cannot flood the policy store. */
export const DEFAULT_SHARING_LIMITS: SharingLimits = Object.freeze({ maxSharesPerFile: 1_000, maxLinksPerFile: 100 });

/** The longest a share link may live. */
export const MAX_LINK_LIFETIME_MS = 30 * 24 * 3_600 * 1_000;

const SHARE_ACTIONS: Readonly<Record<fileV1.SharePermission, readonly FileAction[] | undefined>> = {
  [fileV1.SharePermission.SHARE_PERMISSION_UNSPECIFIED]: undefined,
  [fileV1.SharePermission.SHARE_PERMISSION_READ]: ['file:read'],
  [fileV1.SharePermission.SHARE_PERMISSION_READ_WRITE]: ['file:read', 'file:write'],
  [fileV1.SharePermission.UNRECOGNIZED]: undefined,
};

/**
 * The unary FileService RPCs. Each one authorizes first (through {@link FileAccess}: not_found
 * when the actor may not read the file, permission_denied when they may read but not act),
 * then calls the metadata or policy service, passing the request's traceparent on.
 */
export class FileOperations {
  private readonly now: () => Date;
  private readonly sharing: SharingLimits;

  constructor(private readonly deps: FileOperationsDeps) {
    this.now = deps.now ?? (() => new Date());
    this.sharing = deps.sharing ?? DEFAULT_SHARING_LIMITS;
  }

  async getFile(request: fileV1.GetFileRequest): Promise<fileV1.GetFileResponse> {
    // Trashed files are loaded too: FileAccess shows them to their owner only. authorize() has
    // just allowed the read, so permissions() asks the policy service about the other three only.
    const { file } = await this.deps.access.authorize(request.actorId, request.fileId, 'file:read', { includeDeleted: true });
    return { file, permissions: await this.deps.access.permissions(request.actorId, file, { readAllowed: true }) };
  }

  async listFiles(request: fileV1.ListFilesRequest): Promise<fileV1.ListFilesResponse> {
    requireActor(request.actorId);
    if (request.pageSize < 0) throw new AppError('invalid_argument', { detail: 'page_size must be ≥ 0.' });
    const folder = request.folder === '' ? '' : validateFolderPath(request.folder);
    const scope = request.trashed ? fileV1.ListScope.LIST_SCOPE_OWNED : request.scope;
    const includeOwned = scope !== fileV1.ListScope.LIST_SCOPE_SHARED;
    const includeShared = scope !== fileV1.ListScope.LIST_SCOPE_OWNED;
    const sharedFileIds = includeShared ? await this.sharedFileIds(request.actorId) : [];
    if (!includeOwned && sharedFileIds.length === 0) return { files: [], nextPageToken: '' };
    const page = await this.deps.records.listFiles({
      ownerId: request.actorId,
      folder,
      pageSize: request.pageSize,
      pageToken: request.pageToken,
      sharedFileIds,
      includeOwned,
      namePrefix: request.namePrefix,
      contentType: request.contentType,
      sort: request.sort,
      descending: request.descending,
      trashed: request.trashed,
    });
    // Grants say "shared", but an explicit Deny statement still wins: check the shared ones.
    const visible = await Promise.all(
      page.files.map(async (file) => (file.ownerId === request.actorId || (await this.deps.access.mayRead(request.actorId, file)) ? file : undefined)),
    );
    return { files: visible.filter((file): file is metadataV1.FileRecord => file !== undefined), nextPageToken: page.nextPageToken };
  }

  async updateFile(request: fileV1.UpdateFileRequest): Promise<fileV1.UpdateFileResponse> {
    const { file, reason } = await this.deps.access.authorize(request.actorId, request.fileId, 'file:write', { traceparent: request.traceparent });
    if (request.ifMatch !== '') {
      const outcome = evaluatePreconditions(
        { method: 'PATCH', ifMatch: request.ifMatch },
        { etag: formatEtag(file.sha256), lastModified: file.updatedAt ?? new Date(0), exists: true },
      );
      if (outcome !== 'proceed') throw new AppError('precondition_failed', { detail: 'If-Match does not match the current version of the file.' });
    }
    const name = request.name === undefined ? undefined : validateFileName(request.name);
    const folder = request.folder === undefined ? undefined : validateFolderPath(request.folder);
    const updated = await this.deps.records.updateFile({
      id: file.id,
      ...(name === undefined ? {} : { name }),
      ...(folder === undefined ? {} : { folder }),
      actorId: request.actorId,
      traceparent: request.traceparent,
      authorizedBy: reason,
    });
    return { file: updated };
  }

  async deleteFile(request: fileV1.DeleteFileRequest): Promise<fileV1.DeleteFileResponse> {
    const { file, reason } = await this.deps.access.authorize(request.actorId, request.fileId, 'file:delete', {
      includeDeleted: true,
      traceparent: request.traceparent,
    });
    const keys = await this.deps.records.deleteFile({ id: file.id, actorId: request.actorId, purge: request.purge, traceparent: request.traceparent, authorizedBy: reason });
    if (!request.purge) return {};
    for (const key of keys) {
      await this.deps.store.delete(key).catch((error: unknown) => {
        // The record is gone; the reconciler deletes the orphan later.
        this.deps.logger.warn({ err: error, storage_key: key }, 'could not delete a purged object; left for the reconciler');
      });
    }
    await this.deps.policy.revokeResourceGrants(fileResource(file.id)).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, file_id: file.id }, 'could not revoke the grants of a purged file');
    });
    return {};
  }

  async restoreFile(request: fileV1.RestoreFileRequest): Promise<fileV1.RestoreFileResponse> {
    const { file, reason } = await this.deps.access.authorize(request.actorId, request.fileId, 'file:delete', {
      includeDeleted: true,
      traceparent: request.traceparent,
    });
    return { file: await this.deps.records.restoreFile({ id: file.id, actorId: request.actorId, traceparent: request.traceparent, authorizedBy: reason }) };
  }

  async listVersions(request: fileV1.ListVersionsRequest): Promise<fileV1.ListVersionsResponse> {
    const { file } = await this.deps.access.authorize(request.actorId, request.fileId, 'file:read');
    return { versions: await this.deps.records.listVersions(file.id) };
  }

  async getUsage(request: fileV1.GetUsageRequest): Promise<fileV1.GetUsageResponse> {
    requireActor(request.actorId);
    const usage = await this.deps.records.getUsage(request.actorId);
    const { quotaMaxBytes, quotaMaxFiles, maxFileSizeBytes } = this.deps.limits;
    return { ...usage, maxBytes: quotaMaxBytes, maxFiles: quotaMaxFiles, maxFileSizeBytes };
  }

  async createShare(request: fileV1.CreateShareRequest): Promise<fileV1.CreateShareResponse> {
    const { file } = await this.deps.access.authorize(request.actorId, request.fileId, 'file:share', { traceparent: request.traceparent });
    const actions = SHARE_ACTIONS[request.permission];
    if (actions === undefined) throw new AppError('invalid_argument', { detail: 'permission must be READ or READ_WRITE.' });
    if (request.granteeId === '') throw new AppError('invalid_argument', { detail: 'grantee_id is required.' });
    if (request.granteeId === request.actorId || request.granteeId === file.ownerId) {
      throw new AppError('invalid_argument', { detail: 'A file cannot be shared with yourself or its owner.' });
    }
    if (request.expiresAt !== undefined && request.expiresAt.getTime() <= this.now().getTime()) {
      throw new AppError('invalid_argument', { detail: 'expires_at must be in the future.' });
    }
    // A soft cap: concurrent creates may pass it by their number, never by more.
    const existing = await this.deps.policy.listGrants({ actorId: request.actorId, resource: fileResource(file.id) });
    if (existing.length >= this.sharing.maxSharesPerFile) {
      throw new AppError('limit_exceeded', { detail: `A file has at most ${this.sharing.maxSharesPerFile} shares; revoke one first.` });
    }
    const grant = await this.deps.policy.createGrant({
      actorId: request.actorId,
      grant: {
        id: '',
        resource: fileResource(file.id),
        granteeId: request.granteeId,
        actions: [...actions],
        effect: policyV1.Effect.EFFECT_ALLOW,
        createdBy: request.actorId,
        createdAt: undefined,
        expiresAt: request.expiresAt,
      },
      traceparent: request.traceparent,
    });
    return { share: toShare(grant, file.id) };
  }

  async listShares(request: fileV1.ListSharesRequest): Promise<fileV1.ListSharesResponse> {
    const { file } = await this.deps.access.authorize(request.actorId, request.fileId, 'file:share');
    const grants = await this.deps.policy.listGrants({ actorId: request.actorId, resource: fileResource(file.id) });
    return { shares: grants.filter((grant) => grant.effect !== policyV1.Effect.EFFECT_DENY).map((grant) => toShare(grant, file.id)) };
  }

  async revokeShare(request: fileV1.RevokeShareRequest): Promise<fileV1.RevokeShareResponse> {
    const { file } = await this.deps.access.authorize(request.actorId, request.fileId, 'file:share', { traceparent: request.traceparent });
    if (request.shareId === '') throw new AppError('invalid_argument', { detail: 'share_id is required.' });
    await this.deps.policy.revokeGrant({ actorId: request.actorId, grantId: request.shareId, resource: fileResource(file.id), traceparent: request.traceparent });
    return {};
  }

  async createLink(request: fileV1.CreateLinkRequest): Promise<fileV1.CreateLinkResponse> {
    const { file } = await this.deps.access.authorize(request.actorId, request.fileId, 'file:share', { traceparent: request.traceparent });
    const now = this.now().getTime();
    if (request.expiresAt === undefined) throw new AppError('invalid_argument', { detail: 'expires_at is required.' });
    if (request.expiresAt.getTime() <= now) throw new AppError('invalid_argument', { detail: 'expires_at must be in the future.' });
    if (request.expiresAt.getTime() > now + MAX_LINK_LIFETIME_MS) {
      throw new AppError('invalid_argument', { detail: 'expires_at must be at most 30 days away.' });
    }
    if (request.version < 0 || (request.version > 0 && file.versionCount > 0 && request.version > file.versionCount)) {
      throw new AppError('invalid_argument', { detail: 'version does not name a version of this file.' });
    }
    // Live links only (expired and revoked ones do not count); soft like the share cap.
    const live = await this.deps.policy.listLinks(fileResource(file.id));
    if (live.length >= this.sharing.maxLinksPerFile) {
      throw new AppError('limit_exceeded', { detail: `A file has at most ${this.sharing.maxLinksPerFile} live share links; revoke one first.` });
    }
    const created = await this.deps.policy.createLink({
      actorId: request.actorId,
      resource: fileResource(file.id),
      version: request.version,
      expiresAt: request.expiresAt,
      traceparent: request.traceparent,
    });
    return { link: created.link, token: created.token };
  }

  async listLinks(request: fileV1.ListLinksRequest): Promise<fileV1.ListLinksResponse> {
    const { file } = await this.deps.access.authorize(request.actorId, request.fileId, 'file:share');
    return { links: await this.deps.policy.listLinks(fileResource(file.id)) };
  }

  async revokeLink(request: fileV1.RevokeLinkRequest): Promise<fileV1.RevokeLinkResponse> {
    const { file } = await this.deps.access.authorize(request.actorId, request.fileId, 'file:share', { traceparent: request.traceparent });
    if (request.linkId === '') throw new AppError('invalid_argument', { detail: 'link_id is required.' });
    await this.deps.policy.revokeLink({ actorId: request.actorId, linkId: request.linkId, resource: fileResource(file.id), traceparent: request.traceparent });
    return {};
  }

  /** Ids of the files shared with the actor for reading (from `file/<id>` resources). */
  private async sharedFileIds(actorId: string): Promise<string[]> {
    const resources = await this.deps.policy.listGrantedResources(actorId, 'file:read');
    return [...new Set(resources.map(fileIdOfResource).filter((id): id is string => id !== undefined))];
  }
}

function toShare(grant: policyV1.Grant, fileId: string): fileV1.Share {
  return {
    id: grant.id,
    fileId,
    granteeId: grant.granteeId,
    permission: grant.actions.includes('file:write') ? fileV1.SharePermission.SHARE_PERMISSION_READ_WRITE : fileV1.SharePermission.SHARE_PERMISSION_READ,
    createdBy: grant.createdBy,
    createdAt: grant.createdAt,
    expiresAt: grant.expiresAt,
  };
}
