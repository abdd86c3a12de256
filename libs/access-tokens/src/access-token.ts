import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, errors as joseErrors, jwtVerify, SignJWT, type JSONWebKeySet, type JWTPayload } from 'jose';
import { AppError } from '@coffer/platform';
import { SIGNING_ALGORITHMS, type SigningKeyRing } from './signing-keys.js';

/** RFC 9068 media type of access tokens; refresh tokens and ID tokens are never accepted as one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** Defaults shared by auth (issuer) and the gateway (verifier): COFFER_TOKEN_ISSUER / COFFER_TOKEN_AUDIENCE. */
export const DEFAULT_TOKEN_ISSUER = 'coffer';
export const DEFAULT_TOKEN_AUDIENCE = 'coffer-api';

export interface AccessTokenSettings {
  issuer: string;
  audience: string;
}

/** What an access token asserts once verified. */
export interface AccessTokenClaims {
  /** User id. */
  sub: string;
  /** Session id (checked against the session store on each request). */
  sid: string;
  jti: string;
  iat: number;
  exp: number;
  admin: boolean;
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  expiresAt: Date;
}

/** Signs short-lived access JWTs with the key ring's active key (header typ at+jwt and kid). */
export class AccessTokenIssuer {
  constructor(
    private readonly keys: SigningKeyRing,
    private readonly settings: AccessTokenSettings & { ttlSeconds: number },
    private readonly now: () => Date = () => new Date(),
  ) {}

  async issue(subject: { userId: string; sessionId: string; admin: boolean }): Promise<IssuedAccessToken> {
    const key = this.keys.activeKey();
    const iat = Math.floor(this.now().getTime() / 1000);
    const exp = iat + this.settings.ttlSeconds;
    const jti = randomUUID();
    const token = await new SignJWT({ sid: subject.sessionId, admin: subject.admin })
      .setProtectedHeader({ alg: key.alg, typ: ACCESS_TOKEN_TYPE, kid: key.kid })
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setSubject(subject.userId)
      .setJti(jti)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(key.privateKey);
    return { token, jti, expiresAt: new Date(exp * 1000) };
  }
}

/**
 * Verifies access JWTs strictly: asymmetric algorithms pinned, keys only from the JWKS it is
 * given (never from jku/jwk/x5u headers), typ at+jwt, iss, aud, exp/nbf with a bounded clock
 * skew, and the claims Coffer needs. Every failure is the same `unauthenticated` error, so a
 * caller learns nothing about why a forged token failed.
 */
export class AccessTokenVerifier {
  constructor(
    private readonly jwks: JSONWebKeySet,
    private readonly settings: AccessTokenSettings & { clockToleranceSeconds: number },
    private readonly now: () => Date = () => new Date(),
  ) {}

  async verify(token: string): Promise<AccessTokenClaims> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, createLocalJWKSet(this.jwks), {
        algorithms: [...SIGNING_ALGORITHMS],
        typ: ACCESS_TOKEN_TYPE,
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        clockTolerance: this.settings.clockToleranceSeconds,
        requiredClaims: ['sub', 'sid', 'jti', 'iat', 'exp'],
        currentDate: this.now(),
      }));
    } catch (error) {
      throw new AppError('unauthenticated', {
        detail: 'The access token is invalid or expired.',
        cause: error instanceof joseErrors.JOSEError ? error.code : error,
      });
    }
    const { sub, sid, jti, iat, exp, admin } = payload as JWTPayload & { sid?: unknown; admin?: unknown };
    if (typeof sub !== 'string' || typeof sid !== 'string' || typeof jti !== 'string' || typeof iat !== 'number' || typeof exp !== 'number') {
      throw new AppError('unauthenticated', { detail: 'The access token is invalid or expired.' });
    }
    return { sub, sid, jti, iat, exp, admin: admin === true };
  }
}
