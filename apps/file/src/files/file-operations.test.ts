import { Readable } from 'node:stream';
import { fileV1 } from '@coffer/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, emptyHeader, listKeys, temporaryFilesystemStore, type FileServiceHarness } from '../testing/file-service-harness.fixture.js';

const OWNER = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const THIRD = '33333333-3333-4333-8333-333333333333';
const { SHARE_PERMISSION_READ: READ, SHARE_PERMISSION_READ_WRITE: READ_WRITE } = fileV1.SharePermission;

let remove: () => Promise<void>;
let harness: FileServiceHarness;
let fileId: string;

beforeEach(async () => {
  const temp = await temporaryFilesystemStore();
  remove = temp.remove;
  harness = createHarness(temp.store, { limits: { maxFileSizeBytes: 1000, quotaMaxBytes: 5000, quotaMaxFiles: 10 } });
  const uploaded = await harness.app.upload.upload({ ...emptyHeader(), actorId: OWNER, name: 'a.txt', folder: '/docs' }, Readable.from([Buffer.from('hello')]));
  fileId = uploaded.file?.id ?? '';
});
afterEach(() => remove());

describe('GetFile', () => {
  it('returns the record and every permission to the owner', async () => {
    const response = await harness.app.operations.getFile({ actorId: OWNER, fileId });
    expect(response.file?.id).toBe(fileId);
    expect(response.permissions).toEqual(['read', 'write', 'delete', 'share']);
  });

  it('returns read only to a reader, NOT_FOUND to a stranger (as for a missing id)', async () => {
    harness.policy.grant(fileId, OTHER, ['file:read']);
    expect((await harness.app.operations.getFile({ actorId: OTHER, fileId })).permissions).toEqual(['read']);
    await expect(harness.app.operations.getFile({ actorId: THIRD, fileId })).rejects.toMatchObject({ code: 'not_found' });
    expect(harness.events.denials).toHaveLength(1);
  });

  it('lets an explicit deny win over ownership', async () => {
    harness.policy.denies.add(`${OWNER}|file:read|file/${fileId}`);
    await expect(harness.app.operations.getFile({ actorId: OWNER, fileId })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('shows a trashed file to its owner only', async () => {
    harness.policy.grant(fileId, OTHER, ['file:read']);
    await harness.app.operations.deleteFile({ actorId: OWNER, fileId, purge: false, traceparent: '' });
    expect((await harness.app.operations.getFile({ actorId: OWNER, fileId })).file?.deletedAt).toBeInstanceOf(Date);
    await expect(harness.app.operations.getFile({ actorId: OTHER, fileId })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses a request without an actor', async () => {
    await expect(harness.app.operations.getFile({ actorId: '', fileId })).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});

describe('UpdateFile', () => {
  it('renames with a matching If-Match, refuses a stale one', async () => {
    const { file } = await harness.app.operations.getFile({ actorId: OWNER, fileId });
    await expect(harness.app.operations.updateFile({ actorId: OWNER, fileId, name: 'b.txt', ifMatch: '"stale"', traceparent: '' })).rejects.toMatchObject({ code: 'precondition_failed' });
    const updated = await harness.app.operations.updateFile({ actorId: OWNER, fileId, name: 'b.txt', ifMatch: `"${file?.sha256}"`, traceparent: '' });
    expect(updated.file?.name).toBe('b.txt');
  });

  it('refuses a reader (PERMISSION_DENIED) and bad names', async () => {
    harness.policy.grant(fileId, OTHER, ['file:read']);
    await expect(harness.app.operations.updateFile({ actorId: OTHER, fileId, name: 'x', ifMatch: '', traceparent: '' })).rejects.toMatchObject({ code: 'permission_denied' });
    await expect(harness.app.operations.updateFile({ actorId: OWNER, fileId, name: 'a/b', ifMatch: '', traceparent: '' })).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});

describe('DeleteFile and RestoreFile', () => {
  it('trashes, restores, then purges: objects deleted and grants revoked', async () => {
    await harness.app.operations.deleteFile({ actorId: OWNER, fileId, purge: false, traceparent: '' });
    expect(await listKeys(harness.store)).toHaveLength(1);
    expect((await harness.app.operations.restoreFile({ actorId: OWNER, fileId, traceparent: '' })).file?.deletedAt).toBeUndefined();
    await harness.app.operations.deleteFile({ actorId: OWNER, fileId, purge: true, traceparent: '' });
    expect(await listKeys(harness.store)).toEqual([]);
    expect(harness.policy.revokedResources).toEqual([`file/${fileId}`]);
    await expect(harness.app.operations.getFile({ actorId: OWNER, fileId })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses a write grantee to delete', async () => {
    harness.policy.grant(fileId, OTHER, ['file:read', 'file:write']);
    await expect(harness.app.operations.deleteFile({ actorId: OTHER, fileId, purge: true, traceparent: '' })).rejects.toMatchObject({ code: 'permission_denied' });
    expect(await listKeys(harness.store)).toHaveLength(1);
  });
});

describe('ListFiles, ListVersions, GetUsage', () => {
  it('lists owned, shared and all files, and the trash', async () => {
    const theirs = await harness.app.upload.upload({ ...emptyHeader(), actorId: OTHER, name: 'theirs.txt', folder: '/' }, Readable.from([Buffer.from('x')]));
    harness.policy.grant(theirs.file?.id ?? '', OWNER, ['file:read']);
    const names = async (request: Partial<fileV1.ListFilesRequest>) =>
      (await harness.app.operations.listFiles({ actorId: OWNER, scope: 0, folder: '', namePrefix: '', contentType: '', sort: 0, descending: false, pageSize: 0, pageToken: '', trashed: false, ...request })).files
        .map((file) => file.name)
        .sort();
    expect(await names({ scope: fileV1.ListScope.LIST_SCOPE_ALL })).toEqual(['a.txt', 'theirs.txt']);
    expect(await names({ scope: fileV1.ListScope.LIST_SCOPE_OWNED })).toEqual(['a.txt']);
    expect(await names({ scope: fileV1.ListScope.LIST_SCOPE_SHARED })).toEqual(['theirs.txt']);
    harness.policy.denies.add(`${OWNER}|file:read|file/${theirs.file?.id}`);
    expect(await names({ scope: fileV1.ListScope.LIST_SCOPE_SHARED })).toEqual([]);
    await harness.app.operations.deleteFile({ actorId: OWNER, fileId, purge: false, traceparent: '' });
    expect(await names({ trashed: true })).toEqual(['a.txt']);
  });

  it('lists versions to readers only', async () => {
    expect((await harness.app.operations.listVersions({ actorId: OWNER, fileId })).versions).toHaveLength(1);
    await expect(harness.app.operations.listVersions({ actorId: OTHER, fileId })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('reports usage with the configured limits', async () => {
    expect(await harness.app.operations.getUsage({ actorId: OWNER })).toEqual({ bytesUsed: 5, fileCount: 1, maxBytes: 5000, maxFiles: 10, maxFileSizeBytes: 1000 });
  });
});

describe('shares and links', () => {
  it('creates, lists and revokes shares with the right actions', async () => {
    const read = await harness.app.operations.createShare({ actorId: OWNER, fileId, granteeId: OTHER, permission: READ, expiresAt: undefined, traceparent: '' });
    expect(harness.policy.grants.find((grant) => grant.id === read.share?.id)?.actions).toEqual(['file:read']);
    const write = await harness.app.operations.createShare({ actorId: OWNER, fileId, granteeId: THIRD, permission: READ_WRITE, expiresAt: undefined, traceparent: '' });
    expect(harness.policy.grants.find((grant) => grant.id === write.share?.id)?.actions).toEqual(['file:read', 'file:write']);
    const listed = await harness.app.operations.listShares({ actorId: OWNER, fileId });
    expect(listed.shares.map((share) => [share.granteeId, share.permission])).toEqual([
      [OTHER, READ],
      [THIRD, READ_WRITE],
    ]);
    await harness.app.operations.revokeShare({ actorId: OWNER, fileId, shareId: read.share?.id ?? '', traceparent: '' });
    expect((await harness.app.operations.listShares({ actorId: OWNER, fileId })).shares).toHaveLength(1);
  });

  it('refuses a share to yourself, without a permission, or by a reader', async () => {
    await expect(harness.app.operations.createShare({ actorId: OWNER, fileId, granteeId: OWNER, permission: READ, expiresAt: undefined, traceparent: '' })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(harness.app.operations.createShare({ actorId: OWNER, fileId, granteeId: OTHER, permission: 0, expiresAt: undefined, traceparent: '' })).rejects.toMatchObject({ code: 'invalid_argument' });
    harness.policy.grant(fileId, OTHER, ['file:read']);
    await expect(harness.app.operations.createShare({ actorId: OTHER, fileId, granteeId: THIRD, permission: READ, expiresAt: undefined, traceparent: '' })).rejects.toMatchObject({ code: 'permission_denied' });
  });

  it('creates links that expire within 30 days, lists and revokes them', async () => {
    const now = Date.now();
    const create = (expiresAt: Date | undefined) => harness.app.operations.createLink({ actorId: OWNER, fileId, version: 0, expiresAt, traceparent: '' });
    await expect(create(undefined)).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(create(new Date(now - 1000))).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(create(new Date(now + 31 * 24 * 3_600_000))).rejects.toMatchObject({ code: 'invalid_argument' });
    const created = await create(new Date(now + 29 * 24 * 3_600_000));
    expect(created.token).not.toBe('');
    expect((await harness.app.operations.listLinks({ actorId: OWNER, fileId })).links).toHaveLength(1);
    await harness.app.operations.revokeLink({ actorId: OWNER, fileId, linkId: created.link?.id ?? '', traceparent: '' });
    expect((await harness.app.operations.listLinks({ actorId: OWNER, fileId })).links).toHaveLength(0);
  });
});

describe('sharing caps', () => {
  it('refuses a link past COFFER_MAX_LINKS_PER_FILE and a share past COFFER_MAX_SHARES_PER_FILE with limit_exceeded, until one is revoked', async () => {
    const temp = await temporaryFilesystemStore();
    try {
      const capped = createHarness(temp.store, { sharing: { maxSharesPerFile: 1, maxLinksPerFile: 2 } });
      const uploaded = await capped.app.upload.upload({ ...emptyHeader(), actorId: OWNER, name: 'c.txt', folder: '/' }, Readable.from([Buffer.from('hi')]));
      const id = uploaded.file?.id ?? '';
      const expiresAt = new Date(Date.now() + 3_600_000);
      const link = () => capped.app.operations.createLink({ actorId: OWNER, fileId: id, version: 0, expiresAt, traceparent: '' });
      const first = await link();
      await link();
      await expect(link()).rejects.toMatchObject({ code: 'limit_exceeded', detail: 'A file has at most 2 live share links; revoke one first.' });
      expect((await capped.app.operations.listLinks({ actorId: OWNER, fileId: id })).links).toHaveLength(2);
      await capped.app.operations.revokeLink({ actorId: OWNER, fileId: id, linkId: first.link?.id ?? '', traceparent: '' });
      expect((await link()).token).not.toBe('');

      const share = (granteeId: string) => capped.app.operations.createShare({ actorId: OWNER, fileId: id, granteeId, permission: READ, expiresAt: undefined, traceparent: '' });
      await share(OTHER);
      await expect(share(THIRD)).rejects.toMatchObject({ code: 'limit_exceeded' });
      expect((await capped.app.operations.listShares({ actorId: OWNER, fileId: id })).shares.map((s) => s.granteeId)).toEqual([OTHER]);
    } finally {
      await temp.remove();
    }
  });
});
