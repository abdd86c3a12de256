/** @coffer/access-tokens: access JWTs (at+jwt) — signing keys with rotation, issuing, JWKS and verification. */
export { ACCESS_TOKEN_TYPE, AccessTokenIssuer, DEFAULT_TOKEN_AUDIENCE, DEFAULT_TOKEN_ISSUER, AccessTokenVerifier, type AccessTokenClaims, type AccessTokenSettings, type IssuedAccessToken } from './access-token.js';
export {
  generateSigningKey,
  importSigningKey,
  SIGNING_ALGORITHMS,
  SigningKeyRing,
  type SigningAlgorithm,
  type SigningKey,
  type StoredSigningKey,
} from './signing-keys.js';
