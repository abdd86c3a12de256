import { AppError } from '@coffer/platform';

/** The digests of a parsed `Content-Digest` header that Coffer understands. */
export interface ContentDigestValues {
  sha256?: Buffer;
  sha512?: Buffer;
}

/** Longer headers are refused before any parsing. */
export const MAX_CONTENT_DIGEST_HEADER_LENGTH = 4096;

const supported = { 'sha-256': { field: 'sha256', bytes: 32 }, 'sha-512': { field: 'sha512', bytes: 64 } } as const;

/**
 * Parses an RFC 9530 `Content-Digest` header, a structured-field dictionary such as
 * `sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, sha-512=:…:`.
 *
 * Tolerant where that is harmless: algorithm keys in any case, spaces around members, empty
 * members, parameters after a value, and unknown algorithms (whatever their value) are
 * ignored. Strict where it matters: a sha-256 or sha-512 value that is not a byte sequence of
 * canonical base64 of the right length, or one algorithm given twice with different values,
 * is `invalid_argument`; so is a header without a supported algorithm.
 */
export function parseContentDigest(header: string): ContentDigestValues {
  if (header.length > MAX_CONTENT_DIGEST_HEADER_LENGTH) {
    throw digestError(`Content-Digest is longer than ${MAX_CONTENT_DIGEST_HEADER_LENGTH} characters.`);
  }
  const values: ContentDigestValues = {};
  for (const member of splitMembers(header)) {
    const separator = member.search(/[=;]/);
    const name = (separator === -1 ? member : member.slice(0, separator)).trim().toLowerCase();
    if (name !== 'sha-256' && name !== 'sha-512') continue;
    const { field, bytes } = supported[name];
    const rest = separator === -1 ? '' : member.slice(separator);
    const match = /^=\s*:([^:]*):\s*(?:;.*)?$/s.exec(rest);
    const digest = match?.[1] === undefined ? undefined : decodeCanonicalBase64(match[1]);
    if (digest?.length !== bytes) {
      throw digestError(`The ${name} value of Content-Digest must be :base64: of exactly ${bytes} bytes.`);
    }
    const earlier = values[field];
    if (earlier !== undefined && !earlier.equals(digest)) {
      throw digestError(`Content-Digest gives ${name} twice with different values.`);
    }
    values[field] = digest;
  }
  if (values.sha256 === undefined && values.sha512 === undefined) {
    throw digestError('Content-Digest has no supported algorithm; sha-256 (and sha-512) are supported.');
  }
  return values;
}

/** The `Content-Digest` header value for a SHA-256 given in hex: `sha-256=:<base64>:`. */
export function formatContentDigest(sha256Hex: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(sha256Hex)) {
    throw new AppError('invalid_argument', { detail: 'A SHA-256 digest is 64 hexadecimal characters.' });
  }
  return `sha-256=:${Buffer.from(sha256Hex, 'hex').toString('base64')}:`;
}

/** Dictionary members: split at commas that are not inside a quoted string or inner list. */
function splitMembers(header: string): string[] {
  const members: string[] = [];
  let start = 0;
  let quoted = false;
  let depth = 0;
  for (let i = 0; i < header.length; i++) {
    const c = header[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      members.push(header.slice(start, i));
      start = i + 1;
    }
  }
  members.push(header.slice(start));
  return members.map((member) => member.trim()).filter((member) => member !== '');
}

/**
 * Base64 as RFC 8941 byte sequences write it, leniently without padding (which RFC 8941
 * allows); undefined for anything else, including non-zero spare bits.
 */
function decodeCanonicalBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const unpadded = text.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return undefined;
  const padded = unpadded.padEnd(Math.ceil(unpadded.length / 4) * 4, '=');
  if (text !== unpadded && text !== padded) return undefined;
  const bytes = Buffer.from(padded, 'base64');
  return bytes.toString('base64') === padded ? bytes : undefined;
}

function digestError(detail: string): AppError {
  return new AppError('invalid_argument', { detail });
}
