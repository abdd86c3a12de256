import { Readable } from 'node:stream';
import { fileV1 } from '@coffer/contracts';
import { formatHttpDate } from '@coffer/http-content';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, downloadRequest, emptyHeader, temporaryFilesystemStore, type FileServiceHarness } from '../testing/file-service-harness.fixture.js';
import { DOWNLOAD_CHUNK_BYTES } from './download-operation.js';

const OWNER = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const BYTES = Buffer.from(Array.from({ length: 200_000 }, (_, index) => index % 251));
const { DOWNLOAD_OUTCOME_FULL: FULL, DOWNLOAD_OUTCOME_PARTIAL: PARTIAL, DOWNLOAD_OUTCOME_NOT_MODIFIED: NOT_MODIFIED, DOWNLOAD_OUTCOME_RANGE_NOT_SATISFIABLE: UNSATISFIABLE } =
  fileV1.DownloadOutcome;

let remove: () => Promise<void>;
let harness: FileServiceHarness;
let fileId: string;

async function read(request: Partial<fileV1.DownloadFileRequest>): Promise<{ header: fileV1.DownloadHeader; body: Buffer; chunkSizes: number[] }> {
  const prepared = await harness.app.download.prepare(downloadRequest({ actorId: OWNER, fileId, ...request }));
  const parts: Buffer[] = [];
  for await (const chunk of prepared.chunks) parts.push(chunk);
  return { header: prepared.header, body: Buffer.concat(parts), chunkSizes: parts.map((part) => part.length) };
}

beforeEach(async () => {
  const temp = await temporaryFilesystemStore();
  remove = temp.remove;
  harness = createHarness(temp.store);
  const uploaded = await harness.app.upload.upload({ ...emptyHeader(), actorId: OWNER, name: 'data.bin', folder: '/' }, Readable.from([BYTES]));
  fileId = uploaded.file?.id ?? '';
});
afterEach(() => remove());

describe('DownloadOperation', () => {
  it('serves the whole file in chunks of at most 64 KiB, with a strong ETag, and records the download', async () => {
    const { header, body, chunkSizes } = await read({});
    expect(header.outcome).toBe(FULL);
    expect(header.contentLength).toBe(BYTES.length);
    expect(header.etag).toBe(`"${header.file?.sha256}"`);
    expect(body.equals(BYTES)).toBe(true);
    expect(Math.max(...chunkSizes)).toBeLessThanOrEqual(DOWNLOAD_CHUNK_BYTES);
    expect(harness.events.downloads).toEqual([expect.objectContaining({ fileId, ownerId: OWNER, actorId: OWNER, bytes: BYTES.length, partial: false, authorizedBy: 'owner', version: 1 })]);
  });

  it.each([
    ['bytes=0-9', PARTIAL, 0, 9],
    ['bytes=-10', PARTIAL, BYTES.length - 10, BYTES.length - 1],
    ['bytes=199990-', PARTIAL, 199_990, BYTES.length - 1],
    ['bytes=100-99999999', PARTIAL, 100, BYTES.length - 1],
  ])('serves Range %s as a partial answer', async (range, outcome, start, end) => {
    const { header, body } = await read({ rangeHeader: range });
    expect(header.outcome).toBe(outcome);
    expect([header.rangeStart, header.rangeEnd, header.contentLength]).toEqual([start, end, end - start + 1]);
    expect(body.equals(BYTES.subarray(start, end + 1))).toBe(true);
    expect(harness.events.downloads[0]?.partial).toBe(true);
  });

  it('answers a range beyond the end as RANGE_NOT_SATISFIABLE with the size, and no bytes', async () => {
    const { header, body } = await read({ rangeHeader: 'bytes=300000-' });
    expect(header.outcome).toBe(UNSATISFIABLE);
    expect(header.file?.sizeBytes).toBe(BYTES.length);
    expect(body.length).toBe(0);
  });

  it('serves several ranges as the full file', async () => {
    const { header, body } = await read({ rangeHeader: 'bytes=0-1,100-200' });
    expect(header.outcome).toBe(FULL);
    expect(body.length).toBe(BYTES.length);
  });

  it('honours If-Range: a stale validator gets the full file', async () => {
    expect((await read({ rangeHeader: 'bytes=0-9', ifRange: '"stale"' })).header.outcome).toBe(FULL);
    const etag = (await read({ headerOnly: true })).header.etag;
    expect((await read({ rangeHeader: 'bytes=0-9', ifRange: etag })).header.outcome).toBe(PARTIAL);
  });

  it('answers If-None-Match with NOT_MODIFIED and fails a wrong If-Match', async () => {
    const etag = (await read({ headerOnly: true })).header.etag;
    const notModified = await read({ ifNoneMatch: etag });
    expect(notModified.header.outcome).toBe(NOT_MODIFIED);
    expect(notModified.body.length).toBe(0);
    await expect(read({ ifMatch: '"other"' })).rejects.toMatchObject({ code: 'precondition_failed' });
    expect((await read({ ifMatch: etag })).header.outcome).toBe(FULL);
  });

  it('evaluates If-Modified-Since against the version time', async () => {
    const future = formatHttpDate(new Date(Date.now() + 3_600_000));
    expect((await read({ ifModifiedSince: future })).header.outcome).toBe(NOT_MODIFIED);
    expect((await read({ ifModifiedSince: formatHttpDate(new Date(0)) })).header.outcome).toBe(FULL);
  });

  it('sends only the header for HEAD', async () => {
    const { header, body } = await read({ headerOnly: true });
    expect(header.contentLength).toBe(BYTES.length);
    expect(body.length).toBe(0);
    expect(harness.events.downloads).toEqual([]);
  });

  it('answers NOT_FOUND to an actor who may not read, PERMISSION_DENIED never leaks', async () => {
    await expect(read({ actorId: OTHER })).rejects.toMatchObject({ code: 'not_found' });
    await expect(read({ fileId: '33333333-3333-4333-8333-333333333333' })).rejects.toMatchObject({ code: 'not_found' });
    expect(harness.events.denials).toEqual([expect.objectContaining({ actorId: OTHER, action: 'file:read', resource: `file/${fileId}`, reason: 'default-deny' })]);
  });

  it('lets a grantee read', async () => {
    harness.policy.grant(fileId, OTHER, ['file:read']);
    expect((await read({ actorId: OTHER })).body.equals(BYTES)).toBe(true);
  });

  it('serves a share link as link:<id>, HEAD included, and refuses a bad token', async () => {
    const { token, link } = await harness.app.operations.createLink({ actorId: OWNER, fileId, version: 0, expiresAt: new Date(Date.now() + 60_000), traceparent: '' });
    const viaLink = await read({ actorId: '', fileId: '', linkToken: token });
    expect(viaLink.body.equals(BYTES)).toBe(true);
    expect(harness.events.downloads[0]?.actorId).toBe(`link:${link?.id}`);
    expect((await read({ actorId: '', fileId: '', linkToken: token, headerOnly: true })).header.outcome).toBe(FULL);
    await expect(read({ actorId: '', fileId: '', linkToken: 'nope' })).rejects.toMatchObject({ code: 'permission_denied' });
  });

  it('serves an older version when asked', async () => {
    await harness.app.upload.upload({ ...emptyHeader(), actorId: OWNER, name: 'data.bin', folder: '/' }, Readable.from([Buffer.from('v2')]));
    expect((await read({})).body.toString()).toBe('v2');
    expect((await read({ version: 1 })).body.equals(BYTES)).toBe(true);
  });

  it('refuses a quarantined version with integrity_error', async () => {
    await harness.records.quarantineFile({ fileId, version: 1, reason: 'test', detectedBy: 'scrub', traceparent: '' });
    await expect(read({})).rejects.toMatchObject({ code: 'integrity_error' });
  });

  it('catches a corrupt object on read: never the last chunk, quarantine, integrity_error', async () => {
    const file = await harness.records.getFile({ id: fileId, version: 0, includeDeleted: false });
    const corrupt = Buffer.from(BYTES);
    corrupt[150_000] = (corrupt[150_000] ?? 0) ^ 0xff;
    await harness.store.put(file.storageKey, Readable.from([corrupt]));
    const prepared = await harness.app.download.prepare(downloadRequest({ actorId: OWNER, fileId }));
    let received = 0;
    await expect(
      (async () => {
        for await (const chunk of prepared.chunks) received += chunk.length;
      })(),
    ).rejects.toMatchObject({ code: 'integrity_error' });
    expect(received).toBeLessThan(BYTES.length);
    expect(harness.records.quarantined).toEqual([expect.objectContaining({ fileId, version: 1, detectedBy: 'read' })]);
    expect(harness.events.downloads).toEqual([]);
    // Once quarantined, the version is not served at all, ranges included.
    expect((await read({ rangeHeader: 'bytes=0-9' }).catch((error: unknown) => error)) as object).toMatchObject({ code: 'integrity_error' });
  });
});
