import { createHmac } from 'node:crypto';
import { AppError } from '@coffer/platform';
import { macEquals } from './hmac-compare.js';
import { HMAC_KEY_ID_PATTERN, type HmacKey, type HmacKeyRing } from './hmac-key-ring.js';
import { purposeKey } from './key-purpose.js';

/** The methods a link token can be signed for. */
export type LinkTokenMethod = 'GET';

/** What a share-link token grants: one file version, until a moment, for one method. */
export interface LinkTokenRequest {
  linkId: string;
  fileId: string;
  /** A whole number ≥ 0; 0 means the current version. */
  version: number;
  /** Kept to the whole second, rounded down. */
  expiresAt: Date;
  method: LinkTokenMethod;
}

/** What a verified token says. */
export interface LinkTokenClaims {
  linkId: string;
  fileId: string;
  version: number;
  expiresAt: Date;
  /** The ring key that signed it. */
  keyId: string;
}

export interface VerifyLinkTokenOptions {
  /** The method of the request that presents the token, as sent (methods are case-sensitive). */
  method: string;
  /** Defaults to the current time. */
  now?: Date;
}

/** Why a token was refused: for logs only, never for the client. */
export type LinkTokenRejectionReason = 'malformed' | 'unknown_key' | 'bad_signature' | 'expired';

/** Link and file ids: URL-safe, and free of the token's `.` separator. */
export const LINK_TOKEN_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** The detail of every refusal, whatever the reason, so a client learns nothing from it. */
export const LINK_TOKEN_REFUSED_DETAIL = 'The link is invalid or has expired.';

const FORMAT = 'v1';
const MAX_TOKEN_LENGTH = 512;
const MAC_BASE64URL_LENGTH = 43;
/** Twelve digits at most: far beyond any link's life, and always a valid Date. */
const MAX_EXPIRY_SECONDS = 999_999_999_999;

/**
 * Signs and verifies share-link tokens: `v1.<linkId>.<fileId>.<version>.<expiry>.<keyId>.<mac>`,
 * URL-safe and about 150 characters for UUID ids. The MAC is HMAC-SHA256 (with the ring key's
 * link-token key, see `purposeKey`) over the newline-joined fields, method first; every field
 * is validated to contain no newline, so the encoding is unambiguous. The method is signed but
 * not carried: a token presented for another method simply fails its MAC.
 *
 * Every refusal, a malformed token included, is `permission_denied` with the one detail
 * {@link LINK_TOKEN_REFUSED_DETAIL}: a share-link endpoint has nothing more useful to tell a
 * client, and a uniform answer gives a prober nothing to go on. The reason is kept in the
 * error's `cause` for logs; read it with {@link linkTokenRejectionReason}.
 */
export class LinkTokenSigner {
  constructor(private readonly ring: HmacKeyRing) {}

  /** A token for `request`, signed with the ring's active key. Bad input is `invalid_argument`. */
  sign(request: LinkTokenRequest): string {
    const { linkId, fileId, version, expiresAt, method } = request;
    if (!LINK_TOKEN_ID_PATTERN.test(linkId)) throw invalidRequest('linkId');
    if (!LINK_TOKEN_ID_PATTERN.test(fileId)) throw invalidRequest('fileId');
    if (!Number.isSafeInteger(version) || version < 0) throw invalidRequest('version');
    const expiry = Math.floor(expiresAt.getTime() / 1000);
    if (!Number.isSafeInteger(expiry) || expiry <= 0 || expiry > MAX_EXPIRY_SECONDS) throw invalidRequest('expiresAt');
    if ((method as string) !== 'GET') throw invalidRequest('method');
    const key = this.ring.active;
    const fields = [linkId, fileId, String(version), String(expiry), key.id];
    return [FORMAT, ...fields, mac(key, method, fields).toString('base64url')].join('.');
  }

  /** The claims of a valid token presented for `method`; anything else is `permission_denied`. */
  verify(token: string, options: VerifyLinkTokenOptions): LinkTokenClaims {
    const parsed = parseToken(token);
    if (parsed === undefined) throw refused('malformed');
    const key = this.ring.get(parsed.keyId);
    if (key === undefined) throw refused('unknown_key');
    if (!/^[A-Z]{1,16}$/.test(options.method) || !macEquals(mac(key, options.method, parsed.fields), parsed.mac)) {
      throw refused('bad_signature');
    }
    const now = options.now ?? new Date();
    if (now.getTime() >= parsed.expiry * 1000) throw refused('expired');
    return {
      linkId: parsed.linkId,
      fileId: parsed.fileId,
      version: parsed.version,
      expiresAt: new Date(parsed.expiry * 1000),
      keyId: parsed.keyId,
    };
  }
}

/** The reason a {@link LinkTokenSigner.verify} error was thrown for, or undefined for any other error. */
export function linkTokenRejectionReason(error: unknown): LinkTokenRejectionReason | undefined {
  return error instanceof AppError && error.cause instanceof LinkTokenRejection ? error.cause.reason : undefined;
}

/** The cause of a refusal, for logs. */
class LinkTokenRejection extends Error {
  constructor(readonly reason: LinkTokenRejectionReason) {
    super(`link token refused: ${reason}`);
    this.name = 'LinkTokenRejection';
  }
}

interface ParsedToken {
  linkId: string;
  fileId: string;
  version: number;
  expiry: number;
  keyId: string;
  /** The signed fields, as they appear in the token. */
  fields: readonly string[];
  mac: Buffer;
}

function parseToken(token: string): ParsedToken | undefined {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
  const parts = token.split('.');
  if (parts.length !== 7) return undefined;
  const [format, linkId, fileId, versionText, expiryText, keyId, macText] = parts;
  if (
    format !== FORMAT ||
    linkId === undefined ||
    !LINK_TOKEN_ID_PATTERN.test(linkId) ||
    fileId === undefined ||
    !LINK_TOKEN_ID_PATTERN.test(fileId) ||
    versionText === undefined ||
    !/^(?:0|[1-9][0-9]{0,15})$/.test(versionText) ||
    expiryText === undefined ||
    !/^[1-9][0-9]{0,11}$/.test(expiryText) ||
    keyId === undefined ||
    !HMAC_KEY_ID_PATTERN.test(keyId) ||
    macText === undefined ||
    macText.length !== MAC_BASE64URL_LENGTH ||
    !/^[A-Za-z0-9_-]+$/.test(macText)
  ) {
    return undefined;
  }
  const version = Number(versionText);
  const expiry = Number(expiryText);
  const macBytes = Buffer.from(macText, 'base64url');
  // One token has one spelling: spare bits in the last character must be zero.
  if (!Number.isSafeInteger(version) || !Number.isSafeInteger(expiry) || macBytes.toString('base64url') !== macText) {
    return undefined;
  }
  return { linkId, fileId, version, expiry, keyId, fields: [linkId, fileId, versionText, expiryText, keyId], mac: macBytes };
}

/** HMAC over `coffer-link-token/v1`, the method and the fields, one a line. */
function mac(key: HmacKey, method: string, fields: readonly string[]): Buffer {
  return createHmac('sha256', purposeKey(key, 'link-token'))
    .update(['coffer-link-token/v1', method, ...fields].join('\n'))
    .digest();
}

function refused(reason: LinkTokenRejectionReason): AppError {
  return new AppError('permission_denied', { detail: LINK_TOKEN_REFUSED_DETAIL, cause: new LinkTokenRejection(reason) });
}

function invalidRequest(field: keyof LinkTokenRequest): AppError {
  const rules: Record<keyof LinkTokenRequest, string> = {
    linkId: `linkId must match ${String(LINK_TOKEN_ID_PATTERN)}.`,
    fileId: `fileId must match ${String(LINK_TOKEN_ID_PATTERN)}.`,
    version: 'version must be a whole number ≥ 0.',
    expiresAt: 'expiresAt must be a valid date after 1970 and before the year 30000.',
    method: "method must be 'GET'.",
  };
  return new AppError('invalid_argument', { detail: rules[field] });
}
