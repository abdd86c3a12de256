import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'crt_';
const TOKEN_BYTES = 32;

/** A new opaque refresh token: `crt_` + 256 random bits, base64url. Only its hash is stored. */
export function newRefreshToken(): string {
  return `${PREFIX}${randomBytes(TOKEN_BYTES).toString('base64url')}`;
}

/** True for something shaped like a refresh token (cheap check before any lookup). */
export function looksLikeRefreshToken(value: string): boolean {
  return value.startsWith(PREFIX) && /^[A-Za-z0-9_-]{43}$/.test(value.slice(PREFIX.length));
}

/**
 * The stored form: SHA-256, hex. A fast hash is right here — the token has 256 bits of entropy,
 * so there is nothing to brute-force — and lookups by hash stay indexable.
 */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
