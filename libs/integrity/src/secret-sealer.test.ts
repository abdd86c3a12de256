import { describe, expect, it } from 'vitest';
import { generateHmacKey, HmacKeyRing } from './hmac-key-ring.js';
import { SecretSealer } from './secret-sealer.js';

describe('SecretSealer', () => {
  const oldKey = generateHmacKey('old');
  const newKey = generateHmacKey('new');
  const oldRing = new HmacKeyRing({ activeKeyId: 'old', keys: [oldKey] });
  const rotatedRing = new HmacKeyRing({ activeKeyId: 'new', keys: [oldKey, newKey] });

  it('opens what it sealed, and the sealed text does not contain the secret', () => {
    const sealer = new SecretSealer(oldRing);
    const sealed = sealer.seal('whsec_c2VjcmV0LXZhbHVl', 'sub-1');
    expect(sealed).toMatch(/^v1\.old\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('c2VjcmV0');
    expect(sealer.open(sealed, 'sub-1')).toBe('whsec_c2VjcmV0LXZhbHVl');
  });

  it('uses a fresh IV each time', () => {
    const sealer = new SecretSealer(oldRing);
    expect(sealer.seal('same', 'c')).not.toBe(sealer.seal('same', 'c'));
  });

  it('opens values sealed under an older key after rotation, and seals under the new one', () => {
    const sealed = new SecretSealer(oldRing).seal('s3cret', 'ctx');
    const rotated = new SecretSealer(rotatedRing);
    expect(rotated.open(sealed, 'ctx')).toBe('s3cret');
    expect(rotated.seal('x', 'ctx').split('.')[1]).toBe('new');
  });

  it('refuses another context, a tampered value, an unknown key and garbage', () => {
    const sealer = new SecretSealer(oldRing);
    const sealed = sealer.seal('s3cret', 'sub-1');
    expect(() => sealer.open(sealed, 'sub-2')).toThrow(/does not authenticate/);
    const parts = sealed.split('.');
    const ciphertext = Buffer.from(parts[3] ?? '', 'base64url');
    ciphertext[0] = (ciphertext[0] ?? 0) ^ 1;
    parts[3] = ciphertext.toString('base64url');
    expect(() => sealer.open(parts.join('.'), 'sub-1')).toThrow(/does not authenticate/);
    expect(() => new SecretSealer(new HmacKeyRing({ activeKeyId: 'new', keys: [newKey] })).open(sealed, 'sub-1')).toThrow(/not in the key ring/);
    expect(() => sealer.open('plain', 'sub-1')).toThrow(/not a sealed value/);
  });
});
