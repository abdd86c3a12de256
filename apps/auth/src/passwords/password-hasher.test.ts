import { describe, expect, it } from 'vitest';
import { Argon2idPasswordHasher, OWASP_ARGON2ID } from './password-hasher.js';

describe('Argon2idPasswordHasher', () => {
  const hasher = new Argon2idPasswordHasher();

  it('stores argon2id with the OWASP parameters and a random salt', async () => {
    const first = await hasher.hash('correct horse battery staple');
    const second = await hasher.hash('correct horse battery staple');
    expect(first).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(first).not.toBe(second);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    await expect(hasher.verify(stored, 'correct horse battery staple')).resolves.toBe(true);
    await expect(hasher.verify(stored, 'correct horse battery stapl')).resolves.toBe(false);
  });

  it('treats composed and decomposed Unicode the same (NFC)', async () => {
    const stored = await hasher.hash('caf\u00e9 au lait, s\u2019il vous pla\u00eet');
    await expect(hasher.verify(stored, 'cafe\u0301 au lait, s\u2019il vous pla\u0131\u0302t'.replace('\u0131\u0302', 'i\u0302'))).resolves.toBe(true);
  });

  it('returns false for an unreadable stored hash instead of throwing', async () => {
    await expect(hasher.verify('not-a-hash', 'whatever')).resolves.toBe(false);
  });

  it('spends real hashing work for unknown accounts and never succeeds', async () => {
    await expect(hasher.verifyUnknownAccount('coffer-decoy-password-for-unknown-accounts')).resolves.toBe(false);
  });

  it('asks for a rehash when stored parameters are weaker', async () => {
    const weak = await new Argon2idPasswordHasher({ ...OWASP_ARGON2ID, memoryCost: 8192 }).hash('some long password');
    expect(hasher.needsRehash(weak)).toBe(true);
    expect(hasher.needsRehash(await hasher.hash('some long password'))).toBe(false);
    expect(hasher.needsRehash('$2b$10$bcrypt-hash')).toBe(true);
  });
});
