import { AppError } from '@coffer/platform';

const TOKEN_VERSION = 1;
const MAX_TOKEN_LENGTH = 200;

/**
 * `base64url(JSON [1, lastSeq])`: the next page holds rows with a smaller seq. Opaque to
 * clients and not signed: a forged but well-formed token only moves the start of a page
 * within what the caller may see anyway (visibility is applied on every page).
 */
export function encodeAuditPageToken(lastSeq: number): string {
  return Buffer.from(JSON.stringify([TOKEN_VERSION, lastSeq]), 'utf8').toString('base64url');
}

/** Reads a page token; anything {@link encodeAuditPageToken} did not produce fails `invalid_argument`. */
export function decodeAuditPageToken(token: string): number {
  const invalid = () => new AppError('invalid_argument', { detail: 'pageToken: is not valid.' });
  if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(value) || value.length !== 2 || value[0] !== TOKEN_VERSION) throw invalid();
  const seq: unknown = value[1];
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) throw invalid();
  // The canonical spelling only.
  if (encodeAuditPageToken(seq) !== token) throw invalid();
  return seq;
}
