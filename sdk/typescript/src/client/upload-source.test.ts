import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareUpload } from './upload-source.js';

const dir = mkdtempSync(join(tmpdir(), 'coffer-sdk-upload-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const drain = async (stream: ReadableStream<Uint8Array>) => {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
};

describe('prepareUpload', () => {
  const content = Buffer.from('hello, coffer '.repeat(50_000));

  it('hashes a file path first, names it after the file, and can read it again', async () => {
    const path = join(dir, 'report.txt');
    writeFileSync(path, content);
    const prepared = await prepareUpload(path);
    expect(prepared).toMatchObject({ name: 'report.txt', size: content.length, replayable: true });
    expect(prepared.sha256?.toString('hex')).toBe(sha256(content));
    expect(sha256(await drain(prepared.open()))).toBe(sha256(content));
    expect(sha256(await drain(prepared.open()))).toBe(sha256(content));
  });

  it('refuses a path that is not a regular file', async () => {
    await expect(prepareUpload(dir)).rejects.toThrow(/not a regular file/);
  });

  it('takes bytes as replayable, with their digest and size', async () => {
    const prepared = await prepareUpload(new Uint8Array(content));
    expect(prepared).toMatchObject({ size: content.length, replayable: true, name: undefined });
    expect(prepared.sha256?.toString('hex')).toBe(sha256(content));
    expect(sha256(await drain(prepared.open()))).toBe(sha256(content));
  });

  it('takes a File with its name and type', async () => {
    const prepared = await prepareUpload(new File([content], 'notes.txt', { type: 'text/plain' }));
    expect(prepared).toMatchObject({ name: 'notes.txt', contentType: 'text/plain', size: content.length, replayable: true });
    expect(prepared.sha256?.toString('hex')).toBe(sha256(content));
  });

  it('takes web streams, Node streams and async iterables once, unhashed and unread', async () => {
    const sources = [
      new Blob([content]).stream(),
      Readable.from([content.subarray(0, 10), content.subarray(10)]),
      (async function* () {
        await Promise.resolve();
        yield content.subarray(0, 5);
        yield content.subarray(5);
      })(),
    ];
    for (const source of sources) {
      const prepared = await prepareUpload(source);
      expect(prepared).toMatchObject({ replayable: false, size: undefined, sha256: undefined });
      expect(sha256(await drain(prepared.open()))).toBe(sha256(content));
      expect(() => prepared.open()).toThrow(/only once/);
    }
  });

  it('encodes string chunks of a Node stream as UTF-8', async () => {
    const prepared = await prepareUpload(Readable.from(['héllo', ' wörld'], { objectMode: true }));
    expect((await drain(prepared.open())).toString('utf8')).toBe('héllo wörld');
  });
});
