import type { Request, Response } from 'express';
import { trace } from '@opentelemetry/api';
import { fileV1, metadataV1, policyV1, type restApi, type userV1 } from '@coffer/contracts';
import { parseContentDigest } from '@coffer/integrity';
import { AppError, errors, unaryCall, type Logger } from '@coffer/platform';
import { callerOf, parametersOf } from '../http/gateway-app.js';
import type { OperationHandlers } from '../http/operation.js';
import { streamDownload } from './download-stream.js';
import { sharePermissions, toFile, toFileVersion, toLink, toPolicyStatement, toShare } from './file-representation.js';
import { uploadSource } from './upload-body.js';
import { streamUpload, type ByteBudget } from './upload-stream.js';

type Schemas = restApi.components['schemas'];

export interface FileHandlerDeps {
  files: fileV1.FileServiceClient;
  policy: policyV1.PolicyServiceClient;
  users: userV1.UserServiceClient;
  /** Charges an upload's bytes to its uploader's byte rate limit (throws 429 when spent). */
  uploadBudget(userId: string, declaredBytes: number | undefined): ByteBudget;
  deadlineMs: number;
  logger: Logger;
}

/** The W3C traceparent of the current span, recorded in the events the services write. */
function currentTraceparent(): string {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || !trace.isSpanContextValid(context)) return '';
  return `00-${context.traceId}-${context.spanId}-0${(context.traceFlags & 1).toString()}`;
}

const SORTS: Record<string, metadataV1.FileSort> = {
  name: metadataV1.FileSort.FILE_SORT_NAME,
  size: metadataV1.FileSort.FILE_SORT_SIZE,
  updatedAt: metadataV1.FileSort.FILE_SORT_UPDATED_AT,
};

const SCOPES: Record<string, fileV1.ListScope> = {
  all: fileV1.ListScope.LIST_SCOPE_ALL,
  owned: fileV1.ListScope.LIST_SCOPE_OWNED,
  shared: fileV1.ListScope.LIST_SCOPE_SHARED,
};

/** `sha-256=:…:` → lowercase hex, or '' without the header. */
function expectedSha256(req: Request): string {
  const header = req.header('content-digest');
  if (header === undefined) return '';
  const { sha256 } = parseContentDigest(header);
  if (!sha256) throw errors.invalidArgument('Content-Digest: only sha-256 is supported.');
  return sha256.toString('hex');
}

/** Handlers of the file, sharing, link and policy-statement operations. */
export function fileHandlers(deps: FileHandlerDeps): OperationHandlers {
  const { files, policy, users, deadlineMs } = deps;
  const call = <Req, Res>(method: Parameters<typeof unaryCall<Req, Res>>[0], request: Req) => unaryCall(method, request, deadlineMs);
  const body = <T>(req: Request) => req.body as T;
  const param = (res: Response, name: string) => parametersOf(res)[name];
  const fileId = (res: Response) => String(param(res, 'fileId'));
  const requireAdmin = (res: Response) => {
    if (!callerOf(res).admin) throw errors.permissionDenied('Only administrators may do this.');
  };

  async function upload(req: Request, res: Response, target: { fileId: string } | { name: string | undefined; folder: string; ifAbsent: boolean }) {
    const { userId } = callerOf(res);
    const digest = expectedSha256(req);
    const source = await uploadSource(req);
    if (digest !== '' && source.partFileName !== undefined) {
      throw errors.invalidArgument('Content-Digest covers the whole multipart body, not the file: send the file as the raw body to have its digest checked.');
    }
    const name = 'fileId' in target ? '' : (target.name ?? source.partFileName ?? '');
    if (!('fileId' in target) && name === '') throw errors.invalidArgument('name: is required (as a query parameter, or as the filename of the multipart file part).');
    // A refused upload stops reading; the connection closes so the client stops sending.
    res.setHeader('connection', 'close');
    const response = await streamUpload(
      files,
      {
        actorId: userId,
        name,
        folder: 'fileId' in target ? '' : target.folder,
        declaredContentType: source.declaredContentType,
        expectedSizeBytes: source.expectedSize ?? 0,
        expectedSha256: digest,
        fileId: 'fileId' in target ? target.fileId : '',
        ifAbsent: 'fileId' in target ? false : target.ifAbsent,
        traceparent: currentTraceparent(),
      },
      source.body,
      deps.uploadBudget(userId, source.expectedSize),
    );
    res.removeHeader('connection');
    const file = toFile(response.file);
    if (response.created) res.status(201).setHeader('location', `/v1/files/${file.id}`);
    else res.status(200);
    res.setHeader('etag', `"${file.sha256}"`).json(file);
  }

  return {
    uploadFile: (req, res) =>
      upload(req, res, {
        name: param(res, 'name') as string | undefined,
        folder: (param(res, 'folder') as string | undefined) ?? '/',
        ifAbsent: param(res, 'overwrite') === false,
      }),

    uploadFileVersion: (req, res) => upload(req, res, { fileId: fileId(res) }),

    listFiles: async (_req, res) => {
      const p = parametersOf(res);
      const { files: page, nextPageToken } = await call(files.listFiles.bind(files), {
        actorId: callerOf(res).userId,
        scope: SCOPES[typeof p['scope'] === 'string' ? p['scope'] : 'all'] ?? fileV1.ListScope.LIST_SCOPE_ALL,
        folder: (p['folder'] as string | undefined) ?? '',
        namePrefix: (p['prefix'] as string | undefined) ?? '',
        contentType: (p['type'] as string | undefined) ?? '',
        sort: SORTS[typeof p['sort'] === 'string' ? p['sort'] : 'name'] ?? metadataV1.FileSort.FILE_SORT_NAME,
        descending: p['order'] === 'desc',
        pageSize: Number(p['pageSize'] ?? 50),
        pageToken: (p['pageToken'] as string | undefined) ?? '',
        trashed: p['trashed'] === true,
      });
      res.status(200).json({ files: page.map((record) => toFile(record)), ...(nextPageToken ? { nextPageToken } : {}) });
    },

    getFile: async (_req, res) => {
      const { file, permissions } = await call(files.getFile.bind(files), { actorId: callerOf(res).userId, fileId: fileId(res) });
      const representation = toFile(file, permissions);
      res.status(200).setHeader('etag', `"${representation.sha256}"`).json(representation);
    },

    updateFile: async (req, res) => {
      const input = body<Schemas['UpdateFileRequest']>(req);
      const { file } = await call(files.updateFile.bind(files), {
        actorId: callerOf(res).userId,
        fileId: fileId(res),
        ...(input.name === undefined ? {} : { name: input.name }),
        ...(input.folder === undefined ? {} : { folder: input.folder }),
        ifMatch: req.header('if-match') ?? '',
        traceparent: currentTraceparent(),
      });
      res.status(200).json(toFile(file));
    },

    deleteFile: async (_req, res) => {
      await call(files.deleteFile.bind(files), { actorId: callerOf(res).userId, fileId: fileId(res), purge: param(res, 'purge') === true, traceparent: currentTraceparent() });
      res.status(204).end();
    },

    restoreFile: async (_req, res) => {
      const { file } = await call(files.restoreFile.bind(files), { actorId: callerOf(res).userId, fileId: fileId(res), traceparent: currentTraceparent() });
      res.status(200).json(toFile(file));
    },

    downloadFile: (req, res) =>
      streamDownload(
        files,
        fileV1.DownloadFileRequest.fromPartial({
          ...downloadConditions(req),
          actorId: callerOf(res).userId,
          fileId: fileId(res),
          version: Number(param(res, 'version') ?? 0),
        }),
        req,
        res,
        { disposition: param(res, 'disposition') === 'inline' ? 'inline' : 'attachment', logger: deps.logger },
      ),

    downloadLink: (req, res) =>
      streamDownload(files, fileV1.DownloadFileRequest.fromPartial({ ...downloadConditions(req), linkToken: String(param(res, 'token')) }), req, res, { disposition: 'attachment', logger: deps.logger }),

    listFileVersions: async (_req, res) => {
      const { versions } = await call(files.listVersions.bind(files), { actorId: callerOf(res).userId, fileId: fileId(res) });
      res.status(200).json({ versions: versions.map(toFileVersion) });
    },

    getMyUsage: async (_req, res) => {
      const usage = await call(files.getUsage.bind(files), { actorId: callerOf(res).userId });
      res.status(200).json({
        bytesUsed: usage.bytesUsed,
        fileCount: usage.fileCount,
        maxBytes: usage.maxBytes,
        maxFiles: usage.maxFiles,
        maxFileSize: usage.maxFileSizeBytes,
      });
    },

    createShare: async (req, res) => {
      const input = body<Schemas['CreateShareRequest']>(req);
      const expiresAt = input.expiresAt === undefined ? undefined : new Date(input.expiresAt);
      if (expiresAt && expiresAt.getTime() <= Date.now()) throw errors.invalidArgument('expiresAt: must be in the future.');
      // The grantee must be a live account (answers 400, not 404: the file exists).
      try {
        await call(users.getUser.bind(users), { id: input.granteeId });
      } catch (error) {
        if (error instanceof AppError && error.code === 'not_found') throw errors.invalidArgument('granteeId: no such user.');
        throw error;
      }
      const { share } = await call(files.createShare.bind(files), {
        actorId: callerOf(res).userId,
        fileId: fileId(res),
        granteeId: input.granteeId,
        permission: sharePermissions.toGrpc(input.permission),
        expiresAt,
        traceparent: currentTraceparent(),
      });
      res.status(201).json(toShare(share));
    },

    listShares: async (_req, res) => {
      const { shares } = await call(files.listShares.bind(files), { actorId: callerOf(res).userId, fileId: fileId(res) });
      res.status(200).json({ shares: shares.map((share) => toShare(share)) });
    },

    revokeShare: async (_req, res) => {
      await call(files.revokeShare.bind(files), { actorId: callerOf(res).userId, fileId: fileId(res), shareId: String(param(res, 'shareId')), traceparent: currentTraceparent() });
      res.status(204).end();
    },

    createLink: async (req, res) => {
      const input = body<Schemas['CreateLinkRequest']>(req);
      const expiresAt = new Date(Date.now() + (input.expiresInSeconds ?? 604_800) * 1000);
      const { link, token } = await call(files.createLink.bind(files), {
        actorId: callerOf(res).userId,
        fileId: fileId(res),
        version: input.version ?? 0,
        expiresAt,
        traceparent: currentTraceparent(),
      });
      res.status(201).setHeader('cache-control', 'no-store').json({ ...toLink(link), token, path: `/v1/links/${token}` });
    },

    listLinks: async (_req, res) => {
      const { links } = await call(files.listLinks.bind(files), { actorId: callerOf(res).userId, fileId: fileId(res) });
      res.status(200).json({ links: links.map((link) => toLink(link)) });
    },

    revokeLink: async (_req, res) => {
      await call(files.revokeLink.bind(files), { actorId: callerOf(res).userId, fileId: fileId(res), linkId: String(param(res, 'linkId')), traceparent: currentTraceparent() });
      res.status(204).end();
    },

    listPolicyStatements: async (_req, res) => {
      requireAdmin(res);
      const { statements } = await call(policy.listStatements.bind(policy), {});
      res.status(200).json({ statements: statements.map((statement) => toPolicyStatement(statement)) });
    },

    putPolicyStatement: async (req, res) => {
      requireAdmin(res);
      const input = body<Schemas['PolicyStatementInput']>(req);
      const { statement } = await call(policy.putStatement.bind(policy), {
        actorId: callerOf(res).userId,
        statement: policyV1.Statement.fromPartial({
          id: String(param(res, 'statementId')),
          effect: input.effect === 'deny' ? policyV1.Effect.EFFECT_DENY : policyV1.Effect.EFFECT_ALLOW,
          principals: input.principals,
          actions: input.actions,
          resources: input.resources,
          ...(input.notBefore === undefined ? {} : { notBefore: new Date(input.notBefore) }),
          ...(input.notAfter === undefined ? {} : { notAfter: new Date(input.notAfter) }),
          description: input.description ?? '',
          createdBy: callerOf(res).userId,
        }),
      });
      res.status(200).json(toPolicyStatement(statement));
    },

    deletePolicyStatement: async (_req, res) => {
      requireAdmin(res);
      await call(policy.deleteStatement.bind(policy), { actorId: callerOf(res).userId, statementId: String(param(res, 'statementId')) });
      res.status(204).end();
    },
  };
}

/** The conditional and range headers the file service evaluates (RFC 9110 §13, §14). */
function downloadConditions(req: Request): Pick<fileV1.DownloadFileRequest, 'rangeHeader' | 'ifMatch' | 'ifNoneMatch' | 'ifRange' | 'ifModifiedSince' | 'ifUnmodifiedSince' | 'traceparent'> {
  return {
    rangeHeader: req.header('range') ?? '',
    ifMatch: req.header('if-match') ?? '',
    ifNoneMatch: req.header('if-none-match') ?? '',
    ifRange: req.header('if-range') ?? '',
    ifModifiedSince: req.header('if-modified-since') ?? '',
    ifUnmodifiedSince: req.header('if-unmodified-since') ?? '',
    traceparent: currentTraceparent(),
  };
}
