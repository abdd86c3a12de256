import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { AppError, type ErrorCode } from '@coffer/platform';
import { afterAll, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../src/index.js';

/**
 * The one contract every {@link ObjectStore} meets, run against the real MinIO
 * (test/s3.test.ts) and the filesystem store in a temp folder
 * (src/filesystem-object-store.test.ts).
 */
export interface ObjectStoreHarness {
  /** A prepared store over an empty namespace (its own bucket or folder). */
  open(): Promise<ObjectStore>;
  /** Called after a put failed: asserts the backend kept nothing of it (temp files, parts). */
  expectNoLeftovers(store: ObjectStore, key: string): Promise<void>;
  cleanup(): Promise<void>;
}

const MiB = 1024 * 1024;

export async function expectAppError(promise: Promise<unknown>, code: ErrorCode): Promise<AppError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

export async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function getBytes(store: ObjectStore, key: string, range?: { start: number; end?: number }): Promise<Buffer> {
  const content = await store.get(key, range === undefined ? {} : { range });
  const bytes = await readAll(content.body);
  expect(bytes.length).toBe(content.contentLength);
  return bytes;
}

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of iterable) keys.push(key);
  return keys;
}

/** Yields `total` pseudo-random bytes in 1 MiB chunks, hashing them; never holds more than one chunk. */
function generatedBody(total: number, chunkSize = MiB): { body: Readable; digest: () => string } {
  const hash = createHash('sha256');
  let sent = 0;
  const body = new Readable({
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const chunk = randomBytes(Math.min(chunkSize, total - sent));
      sent += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { body, digest: () => hash.digest('hex') };
}

/** Sends `before` bytes, then fails with `error`. */
function failingBody(before: number, error: Error): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= before) {
        this.destroy(error);
        return;
      }
      const chunk = randomBytes(Math.min(MiB, before - sent));
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

/** Sends `before` bytes, then is destroyed without an error (a client that went away). */
function abortedBody(before: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= before) {
        this.destroy();
        return;
      }
      const chunk = randomBytes(Math.min(MiB, before - sent));
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

export function describeObjectStoreContract(name: string, harness: ObjectStoreHarness): void {
  describe(`ObjectStore contract: ${name}`, () => {
    afterAll(async () => {
      await harness.cleanup();
    });

    it('stores and returns bytes, with size and stat', async () => {
      const store = await harness.open();
      const bytes = Buffer.from('hello, coffer');
      const result = await store.put('docs/hello.txt', Readable.from([bytes]), { contentType: 'text/plain', expectedSize: bytes.length });
      expect(result.size).toBe(bytes.length);
      const content = await store.get('docs/hello.txt');
      expect(content.size).toBe(bytes.length);
      expect(content.contentLength).toBe(bytes.length);
      expect(await readAll(content.body)).toEqual(bytes);
      const info = await store.stat('docs/hello.txt');
      expect(info?.size).toBe(bytes.length);
      expect(info?.lastModified).toBeInstanceOf(Date);
      expect(Math.abs((info?.lastModified.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
    });

    it('stores an empty object', async () => {
      const store = await harness.open();
      expect((await store.put('empty', Readable.from([]))).size).toBe(0);
      expect(await getBytes(store, 'empty')).toEqual(Buffer.alloc(0));
      expect((await store.stat('empty'))?.size).toBe(0);
      await expectAppError(store.get('empty', { range: { start: 0 } }), 'range_not_satisfiable');
    });

    it('reports a missing key: not_found on get, undefined on stat, success on delete', async () => {
      const store = await harness.open();
      await expectAppError(store.get('missing/key'), 'not_found');
      expect(await store.stat('missing/key')).toBeUndefined();
      await store.delete('missing/key');
      await store.delete('missing/key');
    });

    it('deletes idempotently', async () => {
      const store = await harness.open();
      await store.put('a/b/c', Readable.from([Buffer.from('x')]));
      await store.delete('a/b/c');
      await store.delete('a/b/c');
      expect(await store.stat('a/b/c')).toBeUndefined();
      await expectAppError(store.get('a/b/c'), 'not_found');
      expect(await collect(store.list())).toEqual([]);
    });

    it('serves ranges at the edges: first byte, last byte, open-ended, clamped end, whole', async () => {
      const store = await harness.open();
      const bytes = randomBytes(1000);
      await store.put('ranged', Readable.from([bytes]));

      const first = await store.get('ranged', { range: { start: 0, end: 0 } });
      expect(first).toMatchObject({ size: 1000, contentLength: 1, range: { start: 0, end: 0 } });
      expect(await readAll(first.body)).toEqual(bytes.subarray(0, 1));

      const last = await store.get('ranged', { range: { start: 999, end: 999 } });
      expect(last).toMatchObject({ size: 1000, contentLength: 1, range: { start: 999, end: 999 } });
      expect(await readAll(last.body)).toEqual(bytes.subarray(999));

      const open = await store.get('ranged', { range: { start: 990 } });
      expect(open).toMatchObject({ size: 1000, contentLength: 10, range: { start: 990, end: 999 } });
      expect(await readAll(open.body)).toEqual(bytes.subarray(990));

      const fromZero = await store.get('ranged', { range: { start: 0 } });
      expect(fromZero).toMatchObject({ size: 1000, contentLength: 1000, range: { start: 0, end: 999 } });
      expect(await readAll(fromZero.body)).toEqual(bytes);

      const clamped = await store.get('ranged', { range: { start: 500, end: 5_000 } });
      expect(clamped).toMatchObject({ size: 1000, contentLength: 500, range: { start: 500, end: 999 } });
      expect(await readAll(clamped.body)).toEqual(bytes.subarray(500));

      expect(await getBytes(store, 'ranged', { start: 100, end: 199 })).toEqual(bytes.subarray(100, 200));
    });

    it('refuses a range starting at or past the end, and malformed ranges', async () => {
      const store = await harness.open();
      await store.put('short', Readable.from([Buffer.from('0123456789')]));
      await expectAppError(store.get('short', { range: { start: 10 } }), 'range_not_satisfiable');
      await expectAppError(store.get('short', { range: { start: 11, end: 20 } }), 'range_not_satisfiable');
      await expectAppError(store.get('short', { range: { start: 5, end: 4 } }), 'invalid_argument');
      await expectAppError(store.get('short', { range: { start: -1 } }), 'invalid_argument');
      await expectAppError(store.get('short', { range: { start: 1.5 } }), 'invalid_argument');
      await expectAppError(store.get('missing', { range: { start: 0 } }), 'not_found');
    });

    it('overwrites: the new bytes replace the old, whole', async () => {
      const store = await harness.open();
      await store.put('over', Readable.from([Buffer.from('first version, longer')]));
      await store.put('over', Readable.from([Buffer.from('second')]));
      expect((await getBytes(store, 'over')).toString()).toBe('second');
      expect((await store.stat('over'))?.size).toBe(6);
      expect(await collect(store.list())).toEqual(['over']);
    });

    it('keeps one whole body when two puts of one key race', async () => {
      const store = await harness.open();
      const a = randomBytes(3 * MiB);
      const b = randomBytes(2 * MiB);
      await Promise.all([store.put('race', Readable.from([a])), store.put('race', Readable.from([b]))]);
      const stored = await getBytes(store, 'race');
      expect(stored.equals(a) || stored.equals(b)).toBe(true);
    });

    it('runs concurrent puts of different keys', async () => {
      const store = await harness.open();
      const bodies = Array.from({ length: 12 }, (_, index) => randomBytes(256 * 1024 + index * 4099));
      await Promise.all(bodies.map((body, index) => store.put(`many/${index}`, Readable.from([body]), { expectedSize: body.length })));
      const stored = await Promise.all(bodies.map((_, index) => getBytes(store, `many/${index}`)));
      stored.forEach((bytes, index) => expect(bytes.equals(bodies[index] ?? Buffer.alloc(0))).toBe(true));
    });

    it('rejects a body that errors midway and keeps nothing; an existing object stays as it was', async () => {
      const store = await harness.open();
      await expect(store.put('broken', failingBody(6 * MiB + 123, new Error('client went away')))).rejects.toBeInstanceOf(AppError);
      expect(await store.stat('broken')).toBeUndefined();
      await expectAppError(store.get('broken'), 'not_found');
      await harness.expectNoLeftovers(store, 'broken');

      await store.put('kept', Readable.from([Buffer.from('old')]));
      await expect(store.put('kept', failingBody(100, new Error('boom')))).rejects.toMatchObject({ code: 'invalid_argument' });
      expect((await getBytes(store, 'kept')).toString()).toBe('old');
      await harness.expectNoLeftovers(store, 'kept');
      expect(await collect(store.list())).toEqual(['kept']);
    });

    it('passes through an AppError raised by the body (an upstream quota check)', async () => {
      const store = await harness.open();
      const quota = new AppError('payload_too_large', { detail: 'over quota' });
      const error = await expectAppError(store.put('quota', failingBody(6 * MiB, quota)), 'payload_too_large');
      expect(error).toBe(quota);
      expect(await store.stat('quota')).toBeUndefined();
      await harness.expectNoLeftovers(store, 'quota');
    });

    it('rejects a body destroyed without an error (aborted) and keeps nothing', async () => {
      const store = await harness.open();
      await expectAppError(store.put('aborted', abortedBody(6 * MiB)), 'invalid_argument');
      expect(await store.stat('aborted')).toBeUndefined();
      await harness.expectNoLeftovers(store, 'aborted');
    });

    it('refuses a body longer or shorter than expectedSize and keeps nothing', async () => {
      const store = await harness.open();
      await expectAppError(store.put('sized', Readable.from([Buffer.alloc(11)]), { expectedSize: 10 }), 'invalid_argument');
      await expectAppError(store.put('sized', Readable.from([Buffer.alloc(9)]), { expectedSize: 10 }), 'invalid_argument');
      await expectAppError(store.put('sized', generatedBody(6 * MiB).body, { expectedSize: 7 * MiB }), 'invalid_argument');
      await expectAppError(store.put('sized', Readable.from([Buffer.alloc(1)]), { expectedSize: -1 }), 'invalid_argument');
      expect(await store.stat('sized')).toBeUndefined();
      await harness.expectNoLeftovers(store, 'sized');
      expect((await store.put('sized', Readable.from([Buffer.alloc(10)]), { expectedSize: 10 })).size).toBe(10);
    });

    it('lists keys under a prefix, each once, in byte order', async () => {
      const store = await harness.open();
      // No key is a folder of another: MinIO cannot store both `a` and `a/b`.
      const keys = ['a/b', 'a/c/d', 'a-c', 'a.x', 'ab/d', 'b/1', 'b/2/x', 'objects/0a/f1', 'objects/0b/f2', 'Z'];
      await Promise.all(keys.map((key) => store.put(key, Readable.from([Buffer.from(key)]))));
      const sorted = [...keys].sort();
      expect(await collect(store.list())).toEqual(sorted);
      expect(await collect(store.list(''))).toEqual(sorted);
      expect(await collect(store.list('a'))).toEqual(sorted.filter((key) => key.startsWith('a')));
      expect(await collect(store.list('a/'))).toEqual(['a/b', 'a/c/d']);
      expect(await collect(store.list('objects/0'))).toEqual(['objects/0a/f1', 'objects/0b/f2']);
      expect(await collect(store.list('b/2/'))).toEqual(['b/2/x']);
      expect(await collect(store.list('nothing/'))).toEqual([]);
      await expect(collect(store.list('../'))).rejects.toMatchObject({ code: 'invalid_argument' });
    });

    it('refuses invalid keys with invalid_argument on every operation', async () => {
      const store = await harness.open();
      const hostile = [
        '',
        '../escape',
        'a/../../escape',
        '/etc/passwd',
        'a//b',
        'a/./b',
        'trailing/',
        'back\\slash',
        'nul\u0000byte',
        'space here',
        '%2e%2e/x',
        'ünïcode',
        'x'.repeat(513),
        `${'y'.repeat(201)}/z`,
      ];
      for (const key of hostile) {
        await expectAppError(store.put(key, Readable.from([Buffer.from('x')])), 'invalid_argument');
        await expectAppError(store.get(key), 'invalid_argument');
        await expectAppError(store.stat(key), 'invalid_argument');
        await expectAppError(store.delete(key), 'invalid_argument');
      }
      expect(await collect(store.list())).toEqual([]);
      const longest = `${'k'.repeat(200)}/${'l'.repeat(200)}/${'m'.repeat(110)}`;
      expect(longest.length).toBe(512);
      await store.put(longest, Readable.from([Buffer.from('ok')]));
      expect((await getBytes(store, longest)).toString()).toBe('ok');
    });

    it('streams a 64 MiB object through put and get, hashed on the fly', async () => {
      const store = await harness.open();
      const size = 64 * MiB;
      const source = generatedBody(size);
      const started = performance.now();
      const result = await store.put('big/object.bin', source.body, { contentType: 'application/octet-stream', expectedSize: size });
      const putMs = performance.now() - started;
      expect(result.size).toBe(size);

      const readStarted = performance.now();
      const content = await store.get('big/object.bin');
      expect(content.size).toBe(size);
      const hash = createHash('sha256');
      let read = 0;
      for await (const chunk of content.body as AsyncIterable<Buffer>) {
        hash.update(chunk);
        read += chunk.length;
      }
      const getMs = performance.now() - readStarted;
      expect(read).toBe(size);
      expect(hash.digest('hex')).toBe(source.digest());
      console.info(`[${name}] 64 MiB round trip: put ${putMs.toFixed(0)} ms, get ${getMs.toFixed(0)} ms`);

      const tail = await getBytes(store, 'big/object.bin', { start: size - 3 });
      expect(tail.length).toBe(3);
    });

    it('is ready once prepared, and prepare is idempotent', async () => {
      const store = await harness.open();
      await store.prepare();
      await expect(store.checkReady()).resolves.toBeUndefined();
    });
  });
}
