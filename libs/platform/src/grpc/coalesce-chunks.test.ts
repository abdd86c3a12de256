import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { coalesceChunks } from './coalesce-chunks.js';

async function collect(source: AsyncIterable<Uint8Array>, minBytes: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const chunk of coalesceChunks(source, minBytes)) out.push(chunk);
  return out;
}

/** A stream of reads of these sizes, whose bytes count 0, 1, 2, … (mod 251) across reads. */
function reads(...sizes: number[]): AsyncIterable<Uint8Array> {
  let next = 0;
  const chunks = sizes.map((size) => {
    const bytes = new Uint8Array(size);
    for (let index = 0; index < size; index += 1) bytes[index] = next++ % 251;
    return bytes;
  });
  return Readable.from(chunks, { objectMode: true }) as AsyncIterable<Uint8Array>;
}

describe('coalesceChunks', () => {
  it('joins small reads into messages of at least minBytes, keeping every byte in order', async () => {
    const out = await collect(reads(3, 3, 3, 3, 3, 1), 5);
    expect(out.map((chunk) => chunk.length)).toEqual([6, 6, 4]);
    const all = Buffer.concat(out);
    expect([...all]).toEqual(Array.from({ length: 16 }, (_, index) => index % 251));
  });

  it('passes a read of minBytes or more through as it is, after nothing held', async () => {
    const big = Buffer.alloc(10, 7);
    const out = await collect(Readable.from([big, Buffer.alloc(2, 1), Buffer.alloc(10, 2)]), 8);
    expect(out[0]).toBe(big);
    expect(out.map((chunk) => chunk.length)).toEqual([10, 12]);
  });

  it('yields nothing for an empty source and skips empty reads', async () => {
    expect(await collect(reads(), 4)).toEqual([]);
    expect((await collect(reads(0, 2, 0), 4)).map((chunk) => chunk.length)).toEqual([2]);
  });

  it('refuses a size that is not a positive integer', async () => {
    await expect(collect(reads(1), 0)).rejects.toThrow(RangeError);
  });

  it('propagates a failing source', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(2);
      await new Promise((resolve) => setImmediate(resolve));
      throw new Error('socket reset');
    }
    await expect(collect(failing(), 4)).rejects.toThrow('socket reset');
  });
});
