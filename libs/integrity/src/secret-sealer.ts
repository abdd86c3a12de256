import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '@coffer/platform';
import type { HmacKeyRing } from './hmac-key-ring.js';
import { purposeKey } from './key-purpose.js';

const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts secrets a service must store and later use again (webhook signing secrets), with
 * AES-256-GCM under a key derived from the deployment's key ring (HKDF purpose
 * `secret-sealing`, so it is never the key that MACs content or links).
 *
 * A sealed value is `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url): the key id lets a
 * rotated ring open values sealed under an older key, as long as that key stays in the ring.
 * `context` (for example the subscription id) is bound as additional authenticated data, so a
 * sealed value copied to another row does not open there.
 */
export class SecretSealer {
  readonly #ring: HmacKeyRing;

  constructor(ring: HmacKeyRing) {
    this.#ring = ring;
  }

  seal(plaintext: string, context: string): string {
    const key = this.#ring.active;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', purposeKey(key, 'secret-sealing'), iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [FORMAT, key.id, iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  /** The plaintext; `AppError('internal')` when the value is malformed, its key is gone, or it was tampered with. */
  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    const [format, keyId, iv, ciphertext, tag] = parts;
    if (parts.length !== 5 || format !== FORMAT || keyId === undefined || iv === undefined || ciphertext === undefined || tag === undefined) {
      throw unopenable('it is not a sealed value.');
    }
    const key = this.#ring.get(keyId);
    if (key === undefined) throw unopenable(`its key "${keyId}" is not in the key ring.`);
    const tagBytes = Buffer.from(tag, 'base64url');
    const ivBytes = Buffer.from(iv, 'base64url');
    if (tagBytes.length !== TAG_BYTES || ivBytes.length !== IV_BYTES) throw unopenable('it is malformed.');
    try {
      const decipher = createDecipheriv('aes-256-gcm', purposeKey(key, 'secret-sealing'), ivBytes);
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tagBytes);
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw unopenable('it does not authenticate (wrong key, wrong context or tampered).');
    }
  }
}

function unopenable(why: string): AppError {
  return new AppError('internal', { detail: `A stored secret cannot be opened: ${why}` });
}
