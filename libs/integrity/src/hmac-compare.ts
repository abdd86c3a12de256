import { timingSafeEqual } from 'node:crypto';

/**
 * Constant-time equality of two MACs given as bytes. Different lengths are unequal (and the
 * length of a MAC is not a secret), so it never throws.
 */
export function macEquals(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The bytes of a hex string, or undefined unless it is non-empty, even-length hex. */
export function hexBytes(hex: string): Buffer | undefined {
  return /^(?:[0-9a-fA-F]{2})+$/.test(hex) ? Buffer.from(hex, 'hex') : undefined;
}
