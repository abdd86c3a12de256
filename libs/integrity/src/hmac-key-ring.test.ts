import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { AppError } from '@coffer/platform';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHmacKeyRingFile, generateHmacKey, HmacKeyRing, loadHmacKeyRingFile } from './hmac-key-ring.js';

const secret1 = Buffer.alloc(32, 1);
const secret2 = Buffer.alloc(48, 2);
const b64 = (bytes: Buffer): string => bytes.toString('base64');

function ringJson(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    activeKeyId: 'k2',
    keys: [
      { id: 'k1', secret: b64(secret1) },
      { id: 'k2', secret: b64(secret2) },
    ],
    ...overrides,
  });
}

function thrown(action: () => unknown): AppError {
  try {
    action();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a throw');
}

describe('HmacKeyRing', () => {
  it('signs with the active key and knows every key', () => {
    const ring = HmacKeyRing.fromJson(ringJson());
    expect(ring.active.id).toBe('k2');
    expect(ring.active.secret.equals(secret2)).toBe(true);
    expect(ring.get('k1')?.secret.equals(secret1)).toBe(true);
    expect(ring.get('k3')).toBeUndefined();
    expect(ring.ids).toEqual(['k1', 'k2']);
  });

  it('accepts URL-safe and unpadded base64', () => {
    const secret = Buffer.from(Array.from({ length: 32 }, (_, i) => 250 - i));
    const ring = HmacKeyRing.fromJson(
      JSON.stringify({ activeKeyId: 'a', keys: [{ id: 'a', secret: secret.toString('base64url') }] }),
    );
    expect(ring.active.secret.equals(secret)).toBe(true);
  });

  it('keeps its own copy of each secret', () => {
    const secret = Buffer.alloc(32, 7);
    const ring = new HmacKeyRing({ activeKeyId: 'a', keys: [{ id: 'a', secret }] });
    secret.fill(0);
    expect(ring.active.secret.equals(Buffer.alloc(32, 7))).toBe(true);
  });

  it('never shows a secret when logged or serialised', () => {
    const ring = HmacKeyRing.fromJson(ringJson());
    const secretTexts = [secret1, secret2].flatMap((s) => [b64(s), s.toString('hex'), inspect(s)]);
    const shown = [
      JSON.stringify(ring),
      JSON.stringify({ ring }),
      inspect(ring, { depth: 10, showHidden: true }),
      inspect({ nested: { ring } }, { depth: 10 }),
      JSON.stringify(ring.active),
      inspect(ring.active, { showHidden: true }),
    ];
    for (const text of shown) {
      for (const secret of secretTexts) expect(text).not.toContain(secret);
    }
    expect(JSON.parse(JSON.stringify(ring))).toEqual({ activeKeyId: 'k2', keyIds: ['k1', 'k2'] });
    expect(inspect(ring)).toContain('k1');
    expect(Object.keys(ring.active)).toEqual(['id']);
  });

  it.each([
    ['not JSON', 'nope', 'not valid JSON'],
    ['an array', '[]', 'must be a JSON object'],
    ['no activeKeyId', JSON.stringify({ keys: [] }), 'activeKeyId must be a string'],
    ['no keys', JSON.stringify({ activeKeyId: 'k1' }), 'keys must be an array'],
    ['empty keys', JSON.stringify({ activeKeyId: 'k1', keys: [] }), 'no keys'],
    ['a key that is not an object', ringJson({ keys: ['x'] }), 'keys[0] must be an object'],
    ['a bad id', ringJson({ keys: [{ id: 'k 1', secret: b64(secret1) }] }), 'keys[0].id'],
    ['an id too long', ringJson({ keys: [{ id: 'k'.repeat(65), secret: b64(secret1) }] }), 'keys[0].id'],
    ['a missing secret', ringJson({ keys: [{ id: 'k1' }] }), 'keys[0].secret must be a base64 string'],
    ['a secret that is not base64', ringJson({ keys: [{ id: 'k1', secret: '!!!!' }] }), 'keys[0].secret is not valid base64'],
    ['a short secret', ringJson({ keys: [{ id: 'k1', secret: b64(Buffer.alloc(31, 1)) }] }), 'at least 32 bytes'],
    ['a duplicate id', ringJson({ keys: [{ id: 'k2', secret: b64(secret1) }, { id: 'k2', secret: b64(secret2) }] }), 'more than once'],
    ['an unknown active key', ringJson({ activeKeyId: 'k9' }), 'active key id "k9" is not one of its keys'],
  ])('refuses %s with invalid_argument', (_name, text, detail) => {
    const error = thrown(() => HmacKeyRing.fromJson(text));
    expect(error.code).toBe('invalid_argument');
    expect(error.detail).toContain(detail);
  });

  it('never quotes secret material in its errors', () => {
    const almostSecret = b64(Buffer.alloc(31, 9));
    const cases = [
      `{"activeKeyId":"k1","keys":[{"id":"k1","secret":"${almostSecret}"`, // truncated JSON
      ringJson({ keys: [{ id: 'k1', secret: almostSecret }] }),
      ringJson({ keys: [{ id: 'k1', secret: `${almostSecret}#` }] }),
      ringJson({ activeKeyId: almostSecret, keys: [{ id: 'k1', secret: b64(secret1) }] }),
      ringJson({ keys: [{ id: almostSecret, secret: b64(secret1) }] }),
    ];
    for (const text of cases) {
      const error = thrown(() => HmacKeyRing.fromJson(text));
      expect(`${error.message} ${String(error.detail)} ${inspect(error)}`).not.toContain(almostSecret);
      expect(error.cause).toBeUndefined();
    }
  });

  it('refuses short secrets given directly', () => {
    expect(thrown(() => new HmacKeyRing({ activeKeyId: 'a', keys: [{ id: 'a', secret: Buffer.alloc(16) }] })).code).toBe(
      'invalid_argument',
    );
  });
});

describe('generateHmacKey', () => {
  it('makes distinct 32-byte keys with valid ids', () => {
    const a = generateHmacKey();
    const b = generateHmacKey();
    expect(a.secret).toHaveLength(32);
    expect(a.secret.equals(b.secret)).toBe(false);
    expect(a.id).toMatch(/^k-\d{8}-[0-9a-f]{6}$/);
    expect(generateHmacKey('custom').id).toBe('custom');
  });
});

describe('key ring files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coffer-integrity-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a 0600 file with one fresh key, and loads it back', async () => {
    const path = join(dir, 'ring.json');
    const created = await createHmacKeyRingFile(path);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const loaded = await loadHmacKeyRingFile(path);
    expect(loaded.ids).toEqual([created.active.id]);
    expect(loaded.active.secret.equals(created.active.secret)).toBe(true);
    expect(created.active.secret).toHaveLength(32);
  });

  it('never overwrites an existing file', async () => {
    const path = join(dir, 'ring.json');
    await writeFile(path, 'keep me');
    await expect(createHmacKeyRingFile(path)).rejects.toMatchObject({ code: 'conflict' });
    expect(await readFile(path, 'utf8')).toBe('keep me');
  });

  it('names the file when it cannot be read or parsed', async () => {
    const missing = join(dir, 'missing.json');
    await expect(loadHmacKeyRingFile(missing)).rejects.toMatchObject({ code: 'invalid_argument', detail: expect.stringContaining(missing) as unknown });
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{}');
    await expect(loadHmacKeyRingFile(bad)).rejects.toMatchObject({
      code: 'invalid_argument',
      detail: expect.stringContaining(`${bad}: Invalid HMAC key ring: activeKeyId`) as unknown,
    });
  });
});
