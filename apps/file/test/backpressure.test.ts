import { pipeline, Transform, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ObjectStore } from '@coffer/object-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHarness,
  downloadOverGrpc,
  emptyHeader,
  serveOverGrpc,
  temporaryFilesystemStore,
  uploadOverGrpc,
  type GrpcHarness,
} from '../src/testing/file-service-harness.fixture.js';

const OWNER = '11111111-1111-4111-8111-111111111111';
const TOTAL = 64 * 1024 * 1024;
const CHUNK = 64 * 1024;
/** How much RSS may grow while 64 MiB pass through: far less than the body. */
const MAX_GROWTH = 32 * 1024 * 1024;

/** A store whose writes are slow, so an upload without backpressure would pile chunks up. */
function slowWrites(store: ObjectStore): ObjectStore {
  return {
    prepare: () => store.prepare(),
    put: (key, body, options) => {
      let count = 0;
      const slow = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          count += 1;
          if (count % 16 === 0) setTimeout(() => callback(null, chunk), 2);
          else callback(null, chunk);
        },
      });
      pipeline(body, slow, () => undefined);
      return store.put(key, slow as Readable, options);
    },
    get: (key, options) => store.get(key, options),
    stat: (key) => store.stat(key),
    delete: (key) => store.delete(key),
    list: (prefix) => store.list(prefix),
    checkReady: () => store.checkReady(),
  };
}

async function* body(total: number): AsyncGenerator<Buffer> {
  for (let sent = 0; sent < total; sent += CHUNK) {
    // Produced lazily, one chunk at a time, like a client reading a file.
    await Promise.resolve();
    yield Buffer.alloc(Math.min(CHUNK, total - sent), sent % 251);
  }
}

/** Runs `work` while sampling RSS; resolves with the highest growth over the baseline. */
async function peakRssGrowth(work: () => Promise<void>): Promise<number> {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  return peak - baseline;
}

describe('backpressure through the gRPC server', () => {
  let grpc: GrpcHarness;
  let remove: () => Promise<void>;
  let fileId = '';

  beforeAll(async () => {
    const temp = await temporaryFilesystemStore();
    remove = temp.remove;
    const harness = createHarness(slowWrites(temp.store), { limits: { maxFileSizeBytes: 1024 ** 3, quotaMaxBytes: 0, quotaMaxFiles: 0 } });
    grpc = await serveOverGrpc(harness.app);
    // Warm-up: code paths, pools and buffers that a first transfer allocates once.
    const warm = await uploadOverGrpc(grpc.client, { ...emptyHeader(), actorId: OWNER, name: 'warm.bin', folder: '/' }, body(4 * 1024 * 1024));
    await downloadOverGrpc(grpc.client, { actorId: OWNER, fileId: warm.file?.id ?? '' }, { keepBytes: false });
  });
  afterAll(async () => {
    await grpc.close();
    await remove();
  });

  it('uploads 64 MiB into a slow store without holding it in memory', async () => {
    const growth = await peakRssGrowth(async () => {
      const response = await uploadOverGrpc(grpc.client, { ...emptyHeader(), actorId: OWNER, name: 'big.bin', folder: '/', expectedSizeBytes: TOTAL }, body(TOTAL));
      fileId = response.file?.id ?? '';
      expect(response.file?.sizeBytes).toBe(TOTAL);
    });
    expect(growth).toBeLessThan(MAX_GROWTH);
  });

  it('downloads 64 MiB to a slow reader without holding it in memory', async () => {
    const growth = await peakRssGrowth(async () => {
      const call = grpc.client.downloadFile({
        actorId: OWNER,
        fileId,
        rangeStart: 0,
        rangeEnd: 0,
        version: 0,
        rangeHeader: '',
        ifMatch: '',
        ifNoneMatch: '',
        ifRange: '',
        ifModifiedSince: '',
        ifUnmodifiedSince: '',
        linkToken: '',
        headerOnly: false,
        traceparent: '',
      });
      let bytes = 0;
      let messages = 0;
      for await (const message of call as AsyncIterable<{ part?: { $case: string; chunk?: Buffer } }>) {
        if (message.part?.$case === 'chunk') bytes += message.part.chunk?.length ?? 0;
        messages += 1;
        if (messages % 16 === 0) await sleep(2);
      }
      expect(bytes).toBe(TOTAL);
    });
    expect(growth).toBeLessThan(MAX_GROWTH);
  });
});
