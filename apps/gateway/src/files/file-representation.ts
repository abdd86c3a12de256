import { fileV1, policyV1, type metadataV1, type restApi } from '@coffer/contracts';
import { errors } from '@coffer/platform';

type Schemas = restApi.components['schemas'];

const iso = (date: Date | undefined): string => (date ?? new Date(0)).toISOString();

/** The public shape of a file record: digests yes, storage keys and HMACs never. */
export function toFile(record: metadataV1.FileRecord | undefined, permissions?: readonly string[]): Schemas['File'] {
  if (!record) throw errors.internal(new Error('a file RPC answered without a record'));
  return {
    id: record.id,
    ownerId: record.ownerId,
    name: record.name,
    folder: record.folder,
    size: record.sizeBytes,
    contentType: record.declaredContentType,
    sniffedContentType: record.sniffedContentType,
    sha256: record.sha256,
    version: record.version,
    versionCount: Math.max(record.versionCount, record.version),
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
    ...(record.deletedAt ? { deletedAt: record.deletedAt.toISOString() } : {}),
    ...(record.quarantinedAt ? { quarantined: true } : {}),
    ...(permissions ? { permissions: permissions.filter(isFilePermission) } : {}),
  };
}

function isFilePermission(permission: string): permission is Schemas['FilePermission'] {
  return permission === 'read' || permission === 'write' || permission === 'delete' || permission === 'share';
}

export function toFileVersion(version: metadataV1.FileVersion): Schemas['FileVersion'] {
  return {
    version: version.version,
    size: version.sizeBytes,
    contentType: version.declaredContentType,
    sniffedContentType: version.sniffedContentType,
    sha256: version.sha256,
    createdAt: iso(version.createdAt),
    createdBy: version.createdBy,
    ...(version.quarantinedAt ? { quarantined: true } : {}),
  };
}

/** REST `read` / `read-write` ⇄ the file service's SharePermission (numeric enum). */
export const sharePermissions = {
  toGrpc(permission: Schemas['SharePermission']): fileV1.SharePermission {
    return permission === 'read' ? fileV1.SharePermission.SHARE_PERMISSION_READ : fileV1.SharePermission.SHARE_PERMISSION_READ_WRITE;
  },
  fromGrpc(permission: fileV1.SharePermission): Schemas['SharePermission'] {
    return permission === fileV1.SharePermission.SHARE_PERMISSION_READ_WRITE ? 'read-write' : 'read';
  },
};

export function toShare(share: fileV1.Share | undefined): Schemas['Share'] {
  if (!share) throw errors.internal(new Error('a share RPC answered without a share'));
  return {
    id: share.id,
    fileId: share.fileId,
    granteeId: share.granteeId,
    permission: sharePermissions.fromGrpc(share.permission),
    createdBy: share.createdBy,
    createdAt: iso(share.createdAt),
    ...(share.expiresAt ? { expiresAt: share.expiresAt.toISOString() } : {}),
  };
}

/** `file/<id>` → `<id>`. */
export function fileIdOfResource(resource: string): string {
  return resource.startsWith('file/') ? resource.slice('file/'.length) : resource;
}

export function toLink(link: policyV1.Link | undefined): Schemas['Link'] {
  if (!link) throw errors.internal(new Error('a link RPC answered without a link'));
  return {
    id: link.id,
    fileId: fileIdOfResource(link.resource),
    ...(link.version > 0 ? { version: link.version } : {}),
    createdBy: link.createdBy,
    createdAt: iso(link.createdAt),
    expiresAt: iso(link.expiresAt),
  };
}

export function toPolicyStatement(statement: policyV1.Statement | undefined): Schemas['PolicyStatement'] {
  if (!statement) throw errors.internal(new Error('a policy RPC answered without a statement'));
  return {
    id: statement.id,
    effect: statement.effect === policyV1.Effect.EFFECT_DENY ? 'deny' : 'allow',
    principals: statement.principals,
    actions: statement.actions,
    resources: statement.resources,
    ...(statement.notBefore ? { notBefore: statement.notBefore.toISOString() } : {}),
    ...(statement.notAfter ? { notAfter: statement.notAfter.toISOString() } : {}),
    ...(statement.description ? { description: statement.description } : {}),
    createdBy: statement.createdBy,
    createdAt: iso(statement.createdAt),
  };
}
