import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '@coffer/platform';
import { describe, expect, it } from 'vitest';
import { ContentDigester, CONTENT_HEAD_EVENT, hmacMatches, verifyContentHmac } from './content-digester.js';
import { HmacKeyRing } from './hmac-key-ring.js';
import { purposeKey } from './key-purpose.js';

const oldKey = { id: 'old', secret: Buffer.alloc(32, 0x0b) };
const newKey = { id: 'new', secret: Buffer.alloc(32, 0x0c) };
const ring = new HmacKeyRing({ activeKeyId: 'new', keys: [oldKey, newKey] });

/** The content-HMAC key, derived independently of the code under test (RFC 5869, empty salt). */
function contentKey(secret: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'coffer/integrity/content-hmac/v1', 32));
}

/** Collects what passes through. */
class Sink extends Writable {
  readonly chunks: Buffer[] = [];
  bytes = 0;
  constructor(private readonly delayMs = 0) {
    super({ highWaterMark: 1024 });
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (this.delayMs > 0) setTimeout(callback, this.delayMs);
    else callback();
  }
}

async function digest(content: Buffer | Buffer[], digester = new ContentDigester({ ring })): Promise<{ digester: ContentDigester; sink: Sink }> {
  const sink = new Sink();
  await pipeline(Readable.from(Array.isArray(content) ? content : [content]), digester, sink);
  return { digester, sink };
}

describe('ContentDigester', () => {
  it('passes bytes through unchanged and digests them', async () => {
    const chunks = [Buffer.from('hello '), Buffer.from('world'), Buffer.alloc(0), Buffer.from('!')];
    const { digester, sink } = await digest(chunks);
    const all = Buffer.concat(chunks);
    expect(Buffer.concat(sink.chunks).equals(all)).toBe(true);
    const result = digester.result();
    expect(result.size).toBe(all.length);
    expect(result.sha256Hex).toBe(createHash('sha256').update(all).digest('hex'));
    expect(result.hmacHex).toBe(createHmac('sha256', contentKey(newKey.secret)).update(all).digest('hex'));
    expect(result.hmacKeyId).toBe('new');
    expect(result.head.equals(all)).toBe(true);
  });

  it('digests empty content', async () => {
    const { digester } = await digest([]);
    expect(digester.result()).toMatchObject({
      size: 0,
      sha256Hex: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      head: Buffer.alloc(0),
    });
  });

  it('MACs with a named older key when asked (the read path)', async () => {
    const { digester } = await digest(Buffer.from('data'), new ContentDigester({ ring, hmacKeyId: 'old' }));
    expect(digester.result().hmacKeyId).toBe('old');
    expect(digester.result().hmacHex).toBe(createHmac('sha256', contentKey(oldKey.secret)).update('data').digest('hex'));
    expect(() => new ContentDigester({ ring, hmacKeyId: 'gone' })).toThrow(expect.objectContaining({ code: 'integrity_error' }) as Error);
  });

  it('digests 64 MiB streamed in chunks like hashing the chunks directly', async () => {
    const expectedSha = createHash('sha256');
    const expectedHmac = createHmac('sha256', contentKey(newKey.secret));
    const chunkSize = 1024 * 1024;
    function* chunks(): Generator<Buffer> {
      for (let i = 0; i < 64; i++) {
        const chunk = randomBytes(chunkSize);
        expectedSha.update(chunk);
        expectedHmac.update(chunk);
        yield chunk;
      }
    }
    const digester = new ContentDigester({ ring });
    const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    await pipeline(Readable.from(chunks()), digester, sink);
    const result = digester.result();
    expect(result.size).toBe(64 * chunkSize);
    expect(result.sha256Hex).toBe(expectedSha.digest('hex'));
    expect(result.hmacHex).toBe(expectedHmac.digest('hex'));
    expect(result.head).toHaveLength(4096);
  });

  it('throws from result() before the end', () => {
    const digester = new ContentDigester({ ring });
    expect(() => digester.result()).toThrow(AppError);
    digester.write(Buffer.from('abc'));
    expect(() => digester.result()).toThrow(AppError);
  });

  describe('head', () => {
    it('is available as soon as its bytes arrive, and announced once complete', async () => {
      const digester = new ContentDigester({ ring, headBytes: 5 });
      const announced: Buffer[] = [];
      digester.on(CONTENT_HEAD_EVENT, (head: Buffer) => announced.push(head));
      digester.resume();
      const ready = digester.headReady();
      digester.write(Buffer.from('abc'));
      expect(digester.head().toString()).toBe('abc');
      expect(announced).toHaveLength(0);
      digester.write(Buffer.from('defgh'));
      expect(digester.head().toString()).toBe('abcde');
      expect(announced.map(String)).toEqual(['abcde']);
      expect((await ready).toString()).toBe('abcde');
      expect((await digester.headReady()).toString()).toBe('abcde');
      digester.end(Buffer.from('more'));
      await new Promise((resolve) => digester.once('end', resolve));
      expect(announced).toHaveLength(1);
      expect(digester.result().head.toString()).toBe('abcde');
    });

    it('is complete at the end of shorter content', async () => {
      const digester = new ContentDigester({ ring });
      const ready = digester.headReady();
      await digest(Buffer.from('tiny'), digester);
      expect((await ready).toString()).toBe('tiny');
    });

    it('copies the bytes it keeps', async () => {
      const digester = new ContentDigester({ ring, headBytes: 4 });
      digester.resume();
      const chunk = Buffer.from('abcdef');
      digester.write(chunk);
      chunk.fill(0);
      expect((await digester.headReady()).toString()).toBe('abcd');
    });

    it('rejects headReady when the stream fails first', async () => {
      const digester = new ContentDigester({ ring, maxBytes: 2 });
      const ready = digester.headReady();
      const done = pipeline(Readable.from([Buffer.from('abc')]), digester, new Sink());
      await expect(done).rejects.toMatchObject({ code: 'payload_too_large' });
      await expect(ready).rejects.toMatchObject({ code: 'payload_too_large' });
      await expect(digester.headReady()).rejects.toMatchObject({ code: 'payload_too_large' });
    });
  });

  describe('maxBytes', () => {
    const content = Array.from({ length: 10 }, (_, i) => Buffer.alloc(100, i));

    it('accepts exactly the limit', async () => {
      const { digester, sink } = await digest(content, new ContentDigester({ ring, maxBytes: 1000 }));
      expect(digester.result().size).toBe(1000);
      expect(sink.bytes).toBe(1000);
    });

    it.each([999, 950, 0])('fails one byte over %i with payload_too_large and passes nothing beyond it', async (maxBytes) => {
      const sink = new Sink();
      const done = pipeline(Readable.from(content), new ContentDigester({ ring, maxBytes }), sink);
      await expect(done).rejects.toMatchObject({ code: 'payload_too_large', detail: expect.stringContaining(String(maxBytes)) as unknown });
      expect(sink.bytes).toBeLessThanOrEqual(maxBytes);
    });

    it('refuses a bad limit', () => {
      expect(() => new ContentDigester({ ring, maxBytes: -1 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }) as Error);
      expect(() => new ContentDigester({ ring, headBytes: 1.5 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }) as Error);
    });
  });

  describe('onBytes', () => {
    it('sees the running total before each chunk passes on', async () => {
      const totals: number[] = [];
      await digest([Buffer.alloc(3), Buffer.alloc(4)], new ContentDigester({ ring, onBytes: (total) => totals.push(total) }));
      expect(totals).toEqual([3, 7]);
    });

    it('fails the stream with what it throws, and that chunk does not pass on', async () => {
      const quota = new AppError('payload_too_large', { detail: 'Quota exceeded.' });
      const onBytes = (total: number): void => {
        if (total > 5) throw quota;
      };
      const sink = new Sink();
      const done = pipeline(Readable.from([Buffer.alloc(3), Buffer.alloc(3), Buffer.alloc(3)]), new ContentDigester({ ring, onBytes }), sink);
      await expect(done).rejects.toBe(quota);
      expect(sink.bytes).toBe(3);
    });
  });

  it('keeps backpressure: a fast source does not run ahead of a slow writable', async () => {
    const chunkSize = 16 * 1024;
    const chunkCount = 60;
    let produced = 0;
    let maxAhead = 0;
    const sink = new Sink(2);
    const source = new Readable({
      highWaterMark: chunkSize,
      read() {
        maxAhead = Math.max(maxAhead, produced - sink.chunks.length);
        this.push(produced < chunkCount ? Buffer.alloc(chunkSize, produced) : null);
        produced++;
      },
    });
    const digester = new ContentDigester({ ring });
    await pipeline(source, digester, sink);
    expect(sink.bytes).toBe(chunkSize * chunkCount);
    expect(digester.result().size).toBe(chunkSize * chunkCount);
    // Only the buffers between the source and the sink can hold chunks (a handful of 16 KiB
    // high-water marks); without backpressure all 60 would be read at once.
    expect(maxAhead).toBeLessThan(12);
  });

  it('still ends cleanly when the sink is slow and the content large', async () => {
    const digester = new ContentDigester({ ring });
    const sink = new Sink(1);
    await pipeline(Readable.from(Array.from({ length: 20 }, () => Buffer.alloc(64 * 1024))), digester, sink);
    await sleep(0);
    expect(sink.bytes).toBe(20 * 64 * 1024);
  });
});

describe('hmacMatches', () => {
  const mac = createHmac('sha256', Buffer.alloc(32)).update('x').digest('hex');

  it('matches equal MACs in any hex case for a known key', () => {
    expect(hmacMatches(ring, 'old', mac, mac)).toBe(true);
    expect(hmacMatches(ring, 'new', mac, mac.toUpperCase())).toBe(true);
  });

  it.each([
    ['a different MAC', 'new', `${mac.slice(0, -1)}${mac.endsWith('0') ? '1' : '0'}`],
    ['a shorter MAC', 'new', mac.slice(0, 62)],
    ['a longer MAC', 'new', `${mac}00`],
    ['empty', 'new', ''],
    ['not hex', 'new', 'z'.repeat(64)],
    ['odd length', 'new', mac.slice(0, 63)],
  ])('is false for %s', (_name, keyId, recorded) => {
    expect(hmacMatches(ring, keyId, mac, recorded)).toBe(false);
  });

  it('is false for an unknown key id, even when the MACs are equal', () => {
    expect(hmacMatches(ring, 'gone', mac, mac)).toBe(false);
  });
});

describe('verifyContentHmac', () => {
  const content = Buffer.from('stored bytes');

  it('accepts content with its recorded HMAC, from a Buffer or a stream, by the recorded key', async () => {
    const { digester } = await digest(content);
    const recorded = { keyId: digester.result().hmacKeyId, hmacHex: digester.result().hmacHex };
    expect(await verifyContentHmac(ring, recorded, content)).toBe(true);
    expect(await verifyContentHmac(ring, recorded, Readable.from([content.subarray(0, 3), content.subarray(3)]))).toBe(true);

    const rotated = new HmacKeyRing({ activeKeyId: 'newer', keys: [newKey, { id: 'newer', secret: Buffer.alloc(32, 0x0d) }] });
    expect(await verifyContentHmac(rotated, recorded, content)).toBe(true);
  });

  it('refuses changed content, a wrong key id and a key the ring no longer has', async () => {
    const { digester } = await digest(content);
    const { hmacHex } = digester.result();
    expect(await verifyContentHmac(ring, { keyId: 'new', hmacHex }, Buffer.from('stored bytez'))).toBe(false);
    expect(await verifyContentHmac(ring, { keyId: 'old', hmacHex }, content)).toBe(false);
    const withoutNew = new HmacKeyRing({ activeKeyId: 'old', keys: [oldKey] });
    expect(await verifyContentHmac(withoutNew, { keyId: 'new', hmacHex }, content)).toBe(false);
  });
});

describe('purposeKey', () => {
  it('is HKDF-SHA256 of the secret, different for each purpose, and never the secret itself', () => {
    const key = ring.active;
    expect(purposeKey(key, 'content-hmac').equals(contentKey(key.secret))).toBe(true);
    expect(purposeKey(key, 'content-hmac').equals(purposeKey(key, 'link-token'))).toBe(false);
    expect(purposeKey(key, 'link-token').equals(key.secret)).toBe(false);
  });

  it('runs on node HMAC-SHA256, which meets RFC 4231 test case 2', () => {
    // RFC 4231 §4.3: key "Jefe" (too short for a ring key, so checked on the primitive).
    expect(createHmac('sha256', 'Jefe').update('what do ya want for nothing?').digest('hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });
});
