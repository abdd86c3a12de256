import { createHash } from 'node:crypto';

/**
 * RFC 9530 digest fields (`Content-Digest`, `Repr-Digest`): a dictionary of algorithm → byte
 * sequence, e.g. `sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:`.
 */

/** The `sha-256=:…:` field value for a SHA-256 given as hex or raw bytes. */
export function formatSha256Digest(sha256: string | Uint8Array): string {
  const bytes = typeof sha256 === 'string' ? Buffer.from(sha256, 'hex') : Buffer.from(sha256);
  if (bytes.length !== 32) throw new TypeError('A SHA-256 digest is 32 bytes.');
  return `sha-256=:${bytes.toString('base64')}:`;
}

/** The digest field value of some bytes. */
export function contentDigestOf(bytes: Uint8Array): string {
  return formatSha256Digest(createHash('sha256').update(bytes).digest());
}

/**
 * The algorithms and digests in a digest field, algorithm names lower-cased. Members that are not
 * byte sequences are skipped, as RFC 9530 says recipients ignore what they do not understand.
 */
export function parseDigestField(header: string): Map<string, Buffer> {
  const digests = new Map<string, Buffer>();
  for (const member of header.split(',')) {
    const match = /^\s*([A-Za-z][A-Za-z0-9_.*-]*)\s*=\s*:([A-Za-z0-9+/=]*):\s*(?:;.*)?$/.exec(member);
    if (!match) continue;
    const [, algorithm, base64] = match;
    if (algorithm === undefined || base64 === undefined) continue;
    digests.set(algorithm.toLowerCase(), Buffer.from(base64, 'base64'));
  }
  return digests;
}

/** The SHA-256 (hex) in a digest field, when it has a well-formed one. */
export function sha256FromDigestField(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const digest = parseDigestField(header).get('sha-256');
  return digest !== undefined && digest.length === 32 ? digest.toString('hex') : undefined;
}
