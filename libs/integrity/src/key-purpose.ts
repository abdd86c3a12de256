import { hkdfSync } from 'node:crypto';
import type { HmacKey } from './hmac-key-ring.js';

/** What a ring key is used for. Each purpose MACs with its own key derived from the ring secret. */
export type KeyPurpose = 'content-hmac' | 'link-token' | 'secret-sealing';

const purposeInfo: Record<KeyPurpose, string> = {
  'content-hmac': 'coffer/integrity/content-hmac/v1',
  'link-token': 'coffer/integrity/link-token/v1',
  'secret-sealing': 'coffer/integrity/secret-sealing/v1',
};

const cache = new WeakMap<HmacKey, Map<KeyPurpose, Buffer>>();

/**
 * The HMAC key for one purpose: HKDF-SHA256(ring secret, info = purpose label).
 *
 * Why not the ring secret itself: content HMACs are computed over bytes a user chooses. With
 * one shared key, a user who uploads the canonical text of a link token and learns its
 * content HMAC would hold a valid link-token MAC. Separate derived keys rule that out.
 */
export function purposeKey(key: HmacKey, purpose: KeyPurpose): Buffer {
  let byPurpose = cache.get(key);
  if (byPurpose === undefined) {
    byPurpose = new Map();
    cache.set(key, byPurpose);
  }
  let derived = byPurpose.get(purpose);
  if (derived === undefined) {
    derived = Buffer.from(hkdfSync('sha256', key.secret, Buffer.alloc(0), purposeInfo[purpose], 32));
    byPurpose.set(purpose, derived);
  }
  return derived;
}
