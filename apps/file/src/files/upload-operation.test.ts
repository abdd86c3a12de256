import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { AppError } from '@coffer/platform';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, emptyHeader, listKeys, temporaryFilesystemStore, type FileServiceHarness, type HarnessOptions } from '../testing/file-service-harness.fixture.js';
import { splitUpload } from './upload-stream.js';
import type { fileV1 } from '@coffer/contracts';

const OWNER = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100, 1)]);

let remove: () => Promise<void>;
let harness: FileServiceHarness;

async function setUp(options: HarnessOptions = {}): Promise<void> {
  const temp = await temporaryFilesystemStore();
  remove = temp.remove;
  harness = createHarness(temp.store, options);
}

function header(overrides: Partial<fileV1.UploadHeader> = {}): fileV1.UploadHeader {
  return { ...emptyHeader(), actorId: OWNER, name: 'a.txt', folder: '/', ...overrides };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A body that records whether anybody read from it. */
function trackedBody(bytes: Buffer): { body: Readable; wasRead: () => boolean } {
  let read = false;
  const body = new Readable({
    read() {
      read = true;
      this.push(bytes);
      this.push(null);
    },
  });
  return { body, wasRead: () => read };
}

describe('UploadOperation', () => {
  beforeEach(() => setUp());
  afterEach(() => remove());

  it('stores the bytes under a random objects/ key and records digests', async () => {
    const bytes = Buffer.from('hello world');
    const response = await harness.app.upload.upload(header({ expectedSizeBytes: bytes.length, expectedSha256: sha256(bytes) }), Readable.from([bytes]));
    expect(response.created).toBe(true);
    expect(response.file?.sha256).toBe(sha256(bytes));
    expect(response.file?.hmacKeyId).toBe('k-test');
    expect(response.file?.storageKey).toMatch(/^objects\/[0-9a-f-]{36}$/);
    expect(response.file?.storageKey).not.toContain('a.txt');
    expect(await listKeys(harness.store)).toEqual([response.file?.storageKey]);
  });

  it('adds a version by name, and by file_id when the actor may write', async () => {
    const first = await harness.app.upload.upload(header(), Readable.from([Buffer.from('one')]));
    const second = await harness.app.upload.upload(header(), Readable.from([Buffer.from('two')]));
    expect(second.created).toBe(false);
    expect(second.file?.version).toBe(2);
    const fileId = first.file?.id ?? '';
    harness.policy.grant(fileId, OTHER, ['file:read', 'file:write']);
    const third = await harness.app.upload.upload(header({ actorId: OTHER, fileId, name: '' }), Readable.from([Buffer.from('three')]));
    expect(third.file?.ownerId).toBe(OWNER);
    expect(third.file?.version).toBe(3);
  });

  it('refuses a new version by file_id without write (reader) or without read (stranger)', async () => {
    const first = await harness.app.upload.upload(header(), Readable.from([Buffer.from('one')]));
    const fileId = first.file?.id ?? '';
    await expect(harness.app.upload.upload(header({ actorId: OTHER, fileId }), Readable.from([Buffer.from('x')]))).rejects.toMatchObject({ code: 'not_found' });
    harness.policy.grant(fileId, OTHER, ['file:read']);
    await expect(harness.app.upload.upload(header({ actorId: OTHER, fileId }), Readable.from([Buffer.from('x')]))).rejects.toMatchObject({ code: 'permission_denied' });
    expect(harness.events.denials.map((denial) => denial.action)).toEqual(['file:read', 'file:write']);
    expect(await listKeys(harness.store)).toHaveLength(1);
  });

  it('refuses a digest mismatch and keeps nothing', async () => {
    await expect(harness.app.upload.upload(header({ expectedSha256: sha256(Buffer.from('other')) }), Readable.from([Buffer.from('body')]))).rejects.toMatchObject({
      code: 'invalid_argument',
      detail: 'Content-Digest does not match the body',
    });
    expect(await listKeys(harness.store)).toEqual([]);
    expect(harness.records.files.size).toBe(0);
  });

  it('refuses a truncated body (size ≠ expected) and keeps nothing', async () => {
    await expect(harness.app.upload.upload(header({ expectedSizeBytes: 10 }), Readable.from([Buffer.from('short')]))).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(await listKeys(harness.store)).toEqual([]);
    expect(harness.records.files.size).toBe(0);
  });

  it('refuses invalid names and folders before reading', async () => {
    const tracked = trackedBody(Buffer.from('x'));
    await expect(harness.app.upload.upload(header({ name: '../x' }), tracked.body)).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(harness.app.upload.upload(header({ folder: 'no-slash' }), Readable.from([Buffer.from('x')]))).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(tracked.wasRead()).toBe(false);
  });

  it('fails a body that errors midway and keeps nothing', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(1000, 1);
      await Promise.resolve();
      throw new AppError('unavailable', { detail: 'gone' });
    }
    await expect(harness.app.upload.upload(header(), Readable.from(failing()))).rejects.toMatchObject({ code: 'unavailable' });
    expect(await listKeys(harness.store)).toEqual([]);
  });

  it('deletes the object when the metadata service refuses the record', async () => {
    harness.records.failNextCreate = new AppError('conflict', { detail: 'name taken' });
    await expect(harness.app.upload.upload(header(), Readable.from([Buffer.from('x')]))).rejects.toMatchObject({ code: 'conflict' });
    expect(await listKeys(harness.store)).toEqual([]);
  });
});

describe('UploadOperation limits', () => {
  afterEach(() => remove());

  it('refuses an expected size above the limit before reading any chunk', async () => {
    await setUp({ limits: { maxFileSizeBytes: 10, quotaMaxBytes: 0, quotaMaxFiles: 0 } });
    const tracked = trackedBody(Buffer.alloc(11));
    await expect(harness.app.upload.upload(header({ expectedSizeBytes: 11 }), tracked.body)).rejects.toMatchObject({ code: 'payload_too_large' });
    expect(tracked.wasRead()).toBe(false);
  });

  it('refuses a body that grows past the limit without a declared size', async () => {
    await setUp({ limits: { maxFileSizeBytes: 10, quotaMaxBytes: 0, quotaMaxFiles: 0 } });
    await expect(harness.app.upload.upload(header(), Readable.from([Buffer.alloc(6), Buffer.alloc(6)]))).rejects.toMatchObject({ code: 'payload_too_large' });
    expect(await listKeys(harness.store)).toEqual([]);
  });

  it('refuses an expected size above the remaining quota before reading any chunk', async () => {
    await setUp({ limits: { maxFileSizeBytes: 1000, quotaMaxBytes: 20, quotaMaxFiles: 0 } });
    await harness.app.upload.upload(header({ name: 'first' }), Readable.from([Buffer.alloc(15)]));
    const tracked = trackedBody(Buffer.alloc(6));
    await expect(harness.app.upload.upload(header({ name: 'second', expectedSizeBytes: 6 }), tracked.body)).rejects.toMatchObject({ code: 'quota_exceeded' });
    expect(tracked.wasRead()).toBe(false);
  });

  it('stops a body without declared size once it passes the remaining quota', async () => {
    await setUp({ limits: { maxFileSizeBytes: 1000, quotaMaxBytes: 20, quotaMaxFiles: 0 } });
    await harness.app.upload.upload(header({ name: 'first' }), Readable.from([Buffer.alloc(15)]));
    await expect(harness.app.upload.upload(header({ name: 'second' }), Readable.from([Buffer.alloc(3), Buffer.alloc(3)]))).rejects.toMatchObject({ code: 'quota_exceeded' });
    expect(await listKeys(harness.store)).toHaveLength(1);
  });

  it('refuses a create-only upload when the file count quota is used up', async () => {
    await setUp({ limits: { maxFileSizeBytes: 1000, quotaMaxBytes: 0, quotaMaxFiles: 1 } });
    await harness.app.upload.upload(header({ name: 'first' }), Readable.from([Buffer.alloc(1)]));
    await expect(harness.app.upload.upload(header({ name: 'second', ifAbsent: true }), Readable.from([Buffer.alloc(1)]))).rejects.toMatchObject({ code: 'quota_exceeded' });
    // Without if_absent the metadata service decides, with the quota passed along.
    await expect(harness.app.upload.upload(header({ name: 'third' }), Readable.from([Buffer.alloc(1)]))).rejects.toMatchObject({ code: 'quota_exceeded' });
    expect(await listKeys(harness.store)).toHaveLength(1);
  });

  it('refuses content the type rules deny (by its bytes) and keeps nothing', async () => {
    await setUp({ contentTypes: { allow: [], deny: ['image/png'] } });
    await expect(harness.app.upload.upload(header({ declaredContentType: 'text/plain' }), Readable.from([PNG]))).rejects.toMatchObject({ code: 'unsupported_media_type' });
    expect(await listKeys(harness.store)).toEqual([]);
    const ok = await harness.app.upload.upload(header(), Readable.from([Buffer.from('plain text')]));
    expect(ok.file?.sniffedContentType).toMatch(/^text\/plain/);
  });

  it('refuses a big body of a denied type early, with allow lists too', async () => {
    await setUp({ contentTypes: { allow: ['text/*'], deny: [] } });
    const chunks = [PNG, ...Array.from({ length: 50 }, () => Buffer.alloc(64 * 1024, 2))];
    await expect(harness.app.upload.upload(header(), Readable.from(chunks))).rejects.toMatchObject({ code: 'unsupported_media_type' });
    expect(await listKeys(harness.store)).toEqual([]);
  });
});

/** Messages as a call would deliver them, one at a time. */
function messagesOf(messages: fileV1.UploadFileRequest[]): AsyncIterable<fileV1.UploadFileRequest> {
  return Readable.from(messages);
}

describe('splitUpload', () => {
  it('refuses a stream whose first message is not the header', async () => {
    await expect(splitUpload(messagesOf([{ part: { $case: 'chunk', chunk: Buffer.from('x') } }]))).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('refuses an empty stream', async () => {
    await expect(splitUpload(messagesOf([]))).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('fails the body on a second header', async () => {
    const { body } = await splitUpload(
      messagesOf([
        { part: { $case: 'header', header: emptyHeader() } },
        { part: { $case: 'chunk', chunk: Buffer.from('x') } },
        { part: { $case: 'header', header: emptyHeader() } },
      ]),
    );
    await expect((async () => { for await (const _ of body) { /* drain */ } })()).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('turns chunks into bytes', async () => {
    const { header: first, body } = await splitUpload(
      messagesOf([
        { part: { $case: 'header', header: { ...emptyHeader(), name: 'n' } } },
        { part: { $case: 'chunk', chunk: Buffer.from('ab') } },
        { part: { $case: 'chunk', chunk: Buffer.from('cd') } },
      ]),
    );
    const parts: Buffer[] = [];
    for await (const chunk of body) parts.push(chunk as Buffer);
    expect(first.name).toBe('n');
    expect(Buffer.concat(parts).toString()).toBe('abcd');
  });
});
