import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';

/** Asymmetric algorithms only: a verifier never holds a secret that could sign. */
export type SigningAlgorithm = 'ES256' | 'EdDSA';
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['ES256', 'EdDSA'];

/** One signing key. `retiredAt` set: it no longer signs, and verifies until its last token expires. */
export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: CryptoKey;
  publicJwk: JWK;
  createdAt: Date;
  retiredAt?: Date | undefined;
}

/** The stored form of a key (a private JWK plus bookkeeping), as kept in the keys file. */
export interface StoredSigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateJwk: JWK;
  createdAt: string;
  retiredAt?: string;
}

export async function generateSigningKey(alg: SigningAlgorithm = 'ES256', now = new Date()): Promise<StoredSigningKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  return { kid: `${now.toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`, alg, privateJwk: await exportJWK(privateKey), createdAt: now.toISOString() };
}

export async function importSigningKey(stored: StoredSigningKey): Promise<SigningKey> {
  if (!SIGNING_ALGORITHMS.includes(stored.alg)) throw new Error(`signing key ${stored.kid}: unsupported algorithm ${String(stored.alg)}`);
  if (stored.privateJwk.d === undefined) throw new Error(`signing key ${stored.kid}: not a private key`);
  const privateKey = await importJWK(stored.privateJwk, stored.alg);
  if (!(privateKey instanceof Object) || privateKey instanceof Uint8Array) throw new Error(`signing key ${stored.kid}: symmetric keys are refused`);
  const { d: _private, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = stored.privateJwk;
  return {
    kid: stored.kid,
    alg: stored.alg,
    privateKey,
    publicJwk: { ...publicJwk, kid: stored.kid, alg: stored.alg, use: 'sig' },
    createdAt: new Date(stored.createdAt),
    retiredAt: stored.retiredAt === undefined ? undefined : new Date(stored.retiredAt),
  };
}

/**
 * The keys auth signs with and publishes. The newest key that is not retired signs; retired keys
 * stay in the JWKS until every token they signed has expired (`maxTokenTtlMs` after retirement),
 * so rotation never invalidates a live token.
 */
export class SigningKeyRing {
  private readonly keys: readonly SigningKey[];

  constructor(
    keys: readonly SigningKey[],
    private readonly maxTokenTtlMs: number,
    private readonly now: () => Date = () => new Date(),
  ) {
    if (new Set(keys.map((key) => key.kid)).size !== keys.length) throw new Error('signing keys: duplicate kid');
    this.keys = [...keys].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    if (!this.keys.some((key) => key.retiredAt === undefined)) throw new Error('signing keys: no active (unretired) key');
  }

  /** The key that signs new tokens. */
  activeKey(): SigningKey {
    const active = this.keys.find((key) => key.retiredAt === undefined || key.retiredAt > this.now());
    if (!active) throw new Error('signing keys: no active key');
    return active;
  }

  /** Public keys that still verify: active ones, and retired ones whose tokens may still be live. */
  jwks(): JSONWebKeySet {
    const now = this.now().getTime();
    return {
      keys: this.keys
        .filter((key) => key.retiredAt === undefined || key.retiredAt.getTime() + this.maxTokenTtlMs > now)
        .map((key) => key.publicJwk),
    };
  }
}
