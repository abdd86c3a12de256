import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileV1 } from '@coffer/contracts';
import type { ObjectStore } from '@coffer/object-storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createHarness,
  downloadOverGrpc,
  downloadRequest,
  emptyHeader,
  listKeys,
  serveOverGrpc,
  uploadOverGrpc,
  type FileServiceHarness,
  type GrpcHarness,
} from '../src/testing/file-service-harness.fixture.js';

export const OWNER = '11111111-1111-4111-8111-111111111111';

/** A store for one test, and how to get rid of it. */
export interface StoreUnderTest {
  store: ObjectStore;
  dispose(): Promise<void>;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function pattern(length: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, index) => (index * 7) % 256));
}

function chunked(bytes: Buffer, size = 64 * 1024): Buffer[] {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) parts.push(bytes.subarray(offset, offset + size));
  return parts;
}

async function uploadsSeen(harness: FileServiceHarness): Promise<number> {
  const metric = await harness.registry.getSingleMetric('file_uploads_total')?.get();
  return (metric?.values ?? []).reduce((sum, value) => sum + value.value, 0);
}

/**
 * The storage-facing behaviour of the file service, through its gRPC handlers, against a real
 * object store: failed uploads leave nothing, corruption is caught on read and by the scrubber,
 * the reconciler removes only old orphans, Range works end to end.
 */
export function describeStorageBehaviour(label: string, openStore: () => Promise<StoreUnderTest>): void {
  describe(`file service on ${label}`, () => {
    let underTest: StoreUnderTest;
    let harness: FileServiceHarness;
    let grpc: GrpcHarness;

    async function start(options: Parameters<typeof createHarness>[1] = {}): Promise<void> {
      await grpc?.close();
      harness = createHarness(underTest.store, options);
      grpc = await serveOverGrpc(harness.app);
    }

    beforeEach(async () => {
      underTest = await openStore();
      await start();
    });
    afterEach(async () => {
      await grpc.close();
      await underTest.dispose();
    });

    const upload = (header: Partial<fileV1.UploadHeader>, chunks: Iterable<Buffer> | AsyncIterable<Buffer>) =>
      uploadOverGrpc(grpc.client, { ...emptyHeader(), actorId: OWNER, name: 'f.bin', folder: '/', ...header }, chunks);

    it('stores and serves a file', async () => {
      const bytes = pattern(300_000);
      const response = await upload({ expectedSizeBytes: bytes.length, expectedSha256: sha256(bytes) }, chunked(bytes));
      expect(await listKeys(harness.store)).toEqual([response.file?.storageKey]);
      const download = await downloadOverGrpc(grpc.client, { actorId: OWNER, fileId: response.file?.id ?? '' });
      expect(download.error).toBeUndefined();
      expect(download.body.equals(bytes)).toBe(true);
    });

    it('keeps nothing after a digest mismatch', async () => {
      const bytes = pattern(200_000);
      await expect(upload({ expectedSha256: sha256(Buffer.from('other')) }, chunked(bytes))).rejects.toMatchObject({ code: 'invalid_argument' });
      expect(await listKeys(harness.store)).toEqual([]);
      expect(harness.records.files.size).toBe(0);
    });

    it('keeps nothing after a truncated body', async () => {
      const bytes = pattern(200_000);
      await expect(upload({ expectedSizeBytes: bytes.length + 10 }, chunked(bytes))).rejects.toMatchObject({ code: 'invalid_argument' });
      expect(await listKeys(harness.store)).toEqual([]);
    });

    it('keeps nothing after an oversized body', async () => {
      await start({ limits: { maxFileSizeBytes: 100_000, quotaMaxBytes: 0, quotaMaxFiles: 0 } });
      await expect(upload({}, chunked(pattern(200_000)))).rejects.toMatchObject({ code: 'payload_too_large' });
      await expect(upload({ expectedSizeBytes: 200_000 }, chunked(pattern(200_000)))).rejects.toMatchObject({ code: 'payload_too_large' });
      expect(await listKeys(harness.store)).toEqual([]);
    });

    it('keeps nothing after an over-quota body', async () => {
      await start({ limits: { maxFileSizeBytes: 1_000_000, quotaMaxBytes: 150_000, quotaMaxFiles: 0 } });
      await expect(upload({}, chunked(pattern(200_000)))).rejects.toMatchObject({ code: 'quota_exceeded' });
      await expect(upload({ expectedSizeBytes: 200_000 }, chunked(pattern(200_000)))).rejects.toMatchObject({ code: 'quota_exceeded' });
      expect(await listKeys(harness.store)).toEqual([]);
    });

    it('refuses a stream that does not start with the header', async () => {
      const outcome = await new Promise<unknown>((resolve) => {
        const call = grpc.client.uploadFile((error) => resolve(error));
        call.write({ part: { $case: 'chunk', chunk: Buffer.from('x') } });
        call.end();
      });
      expect(outcome).toMatchObject({ code: 3 });
      expect(await listKeys(harness.store)).toEqual([]);
    });

    it('keeps nothing when the client cancels mid-stream', async () => {
      const before = await uploadsSeen(harness);
      const call = grpc.client.uploadFile(() => undefined);
      call.write({ part: { $case: 'header', header: { ...emptyHeader(), actorId: OWNER, name: 'c.bin', folder: '/', expectedSizeBytes: 10_000_000 } } });
      for (const chunk of chunked(pattern(1_000_000))) call.write({ part: { $case: 'chunk', chunk } });
      await sleep(200);
      call.cancel();
      for (let attempt = 0; attempt < 100 && (await uploadsSeen(harness)) === before; attempt += 1) await sleep(50);
      expect(await uploadsSeen(harness)).toBe(before + 1);
      expect(await listKeys(harness.store)).toEqual([]);
      expect(harness.records.files.size).toBe(0);
    });

    it('catches a 1-byte corruption on read (DATA_LOSS, never the full bytes) and by the scrubber', async () => {
      const bytes = pattern(500_000);
      const response = await upload({}, chunked(bytes));
      const file = response.file;
      if (file === undefined) throw new Error('no file');
      const corrupt = Buffer.from(bytes);
      corrupt[123_456] = (corrupt[123_456] ?? 0) ^ 0x01;
      await harness.store.put(file.storageKey, Readable.from([corrupt]));

      expect((await harness.app.scrubber.scrubOnce())).toEqual({ checked: 1, quarantined: 1 });
      expect(harness.records.quarantined).toEqual([expect.objectContaining({ fileId: file.id, version: 1, detectedBy: 'scrub' })]);

      // Clear the quarantine to see read verification catch it too.
      for (const stored of harness.records.files.values()) for (const version of stored.versions) version.quarantinedAt = undefined;
      const download = await downloadOverGrpc(grpc.client, { actorId: OWNER, fileId: file.id });
      expect(download.error).toMatchObject({ code: 'integrity_error' });
      expect(download.header?.outcome).toBe(fileV1.DownloadOutcome.DOWNLOAD_OUTCOME_FULL);
      expect(download.bytes).toBeLessThan(bytes.length);
      expect(harness.records.quarantined.at(-1)).toMatchObject({ fileId: file.id, detectedBy: 'read' });
      expect(harness.events.downloads).toEqual([]);
    });

    it('scrubs clean objects without quarantining them', async () => {
      await upload({ name: 'a' }, chunked(pattern(70_000)));
      await upload({ name: 'b' }, [Buffer.alloc(0)]);
      expect(await harness.app.scrubber.scrubOnce()).toEqual({ checked: 2, quarantined: 0 });
    });

    it('reconciles: removes an old orphan, keeps a young one and a referenced one', async () => {
      const referenced = await upload({}, chunked(pattern(1000)));
      await harness.store.put('objects/old-orphan', Readable.from([Buffer.from('old')]));
      await start({ orphanGraceSeconds: 1 });
      await sleep(2_100);
      await harness.store.put('objects/young-orphan', Readable.from([Buffer.from('young')]));
      // The referenced object lives in the first harness's records: copy them over.
      const fresh = harness.records;
      const file = referenced.file;
      if (file === undefined) throw new Error('no file');
      await fresh.createFile({ file, actorId: OWNER, fileId: '', ifAbsent: false, quota: undefined, traceparent: '', authorizedBy: '' });
      const report = await harness.app.reconciler.reconcileOnce();
      expect(report).toMatchObject({ scanned: 3, checked: 2, removed: 1 });
      expect((await listKeys(harness.store)).sort()).toEqual([file.storageKey, 'objects/young-orphan'].sort());
    });

    it('serves the Range table through DownloadFile', async () => {
      const bytes = pattern(100_000);
      const response = await upload({}, chunked(bytes));
      const fileId = response.file?.id ?? '';
      const { DOWNLOAD_OUTCOME_FULL: FULL, DOWNLOAD_OUTCOME_PARTIAL: PARTIAL, DOWNLOAD_OUTCOME_RANGE_NOT_SATISFIABLE: UNSATISFIABLE } = fileV1.DownloadOutcome;
      const table: [string, fileV1.DownloadOutcome, Buffer][] = [
        ['bytes=0-99', PARTIAL, bytes.subarray(0, 100)],
        ['bytes=-500', PARTIAL, bytes.subarray(bytes.length - 500)],
        ['bytes=99000-', PARTIAL, bytes.subarray(99_000)],
        ['bytes=50000-50000', PARTIAL, bytes.subarray(50_000, 50_001)],
        ['bytes=100000-', UNSATISFIABLE, Buffer.alloc(0)],
        ['bytes=0-1,10-20', FULL, bytes],
        ['items=0-1', FULL, bytes],
      ];
      for (const [range, outcome, expected] of table) {
        const download = await downloadOverGrpc(grpc.client, { actorId: OWNER, fileId, rangeHeader: range });
        expect(download.error, range).toBeUndefined();
        expect(download.header?.outcome, range).toBe(outcome);
        expect(download.header?.contentLength, range).toBe(expected.length);
        expect(download.body.equals(expected), range).toBe(true);
      }
    });

    it('releases the object stream when the client cancels a download', async () => {
      const bytes = pattern(4 * 1024 * 1024);
      const response = await upload({}, chunked(bytes));
      const bodies: Readable[] = [];
      const spying: ObjectStore = {
        prepare: () => underTest.store.prepare(),
        put: (key, body, options) => underTest.store.put(key, body, options),
        get: async (key, options) => {
          const content = await underTest.store.get(key, options);
          bodies.push(content.body);
          return content;
        },
        stat: (key) => underTest.store.stat(key),
        delete: (key) => underTest.store.delete(key),
        list: (prefix) => underTest.store.list(prefix),
        checkReady: () => underTest.store.checkReady(),
      };
      const spyHarness = createHarness(spying);
      await spyHarness.records.createFile({ file: response.file, actorId: OWNER, fileId: '', ifAbsent: false, quota: undefined, traceparent: '', authorizedBy: '' });
      const fileId = [...spyHarness.records.files.keys()][0] ?? '';
      const spyGrpc = await serveOverGrpc(spyHarness.app);
      try {
        const call = spyGrpc.client.downloadFile(downloadRequest({ actorId: OWNER, fileId }));
        call.on('error', () => undefined);
        await new Promise<void>((resolve) => call.once('data', () => resolve()));
        call.pause();
        call.cancel();
        for (let attempt = 0; attempt < 100 && !(bodies[0]?.destroyed ?? false); attempt += 1) await sleep(20);
        expect(bodies).toHaveLength(1);
        expect(bodies[0]?.destroyed).toBe(true);
        expect(spyHarness.events.downloads).toEqual([]);
      } finally {
        await spyGrpc.close();
      }
    });
  });
}


