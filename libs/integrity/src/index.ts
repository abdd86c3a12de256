/**
 * @coffer/integrity: rotating HMAC key rings, a streaming SHA-256 + HMAC digester, RFC 9530
 * `Content-Digest` headers and signed, expiring share-link tokens. Node built-ins only.
 */
export {
  createHmacKeyRingFile,
  generateHmacKey,
  HMAC_KEY_ID_PATTERN,
  HmacKeyRing,
  loadHmacKeyRingFile,
  MIN_HMAC_SECRET_BYTES,
  type HmacKey,
  type HmacKeyRingInit,
} from './hmac-key-ring.js';
export {
  CONTENT_HEAD_EVENT,
  ContentDigester,
  DEFAULT_HEAD_BYTES,
  hmacMatches,
  verifyContentHmac,
  type ContentDigest,
  type ContentDigesterOptions,
  type RecordedContentHmac,
} from './content-digester.js';
export {
  formatContentDigest,
  MAX_CONTENT_DIGEST_HEADER_LENGTH,
  parseContentDigest,
  type ContentDigestValues,
} from './content-digest-header.js';
export { openKeyRing } from './open-key-ring.js';
export { SecretSealer } from './secret-sealer.js';
export {
  LINK_TOKEN_ID_PATTERN,
  LINK_TOKEN_REFUSED_DETAIL,
  LinkTokenSigner,
  linkTokenRejectionReason,
  type LinkTokenClaims,
  type LinkTokenMethod,
  type LinkTokenRejectionReason,
  type LinkTokenRequest,
  type VerifyLinkTokenOptions,
} from './link-token.js';
