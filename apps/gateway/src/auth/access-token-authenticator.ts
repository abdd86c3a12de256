import type { JSONWebKeySet } from 'jose';
import { AccessTokenVerifier, type AccessTokenClaims, type AccessTokenSettings } from '@coffer/access-tokens';
import { AppError, errors } from '@coffer/platform';

/** Where the gateway gets the keys that verify access tokens (auth's GetJwks). */
export interface JwksSource {
  fetch(): Promise<JSONWebKeySet>;
}

/** Whether a session is still active (auth's CheckSession, backed by the session store). */
export interface SessionChecker {
  isActive(sessionId: string): Promise<boolean>;
}

/** The caller a request acts for, once its access token and session check out. */
export interface AuthenticatedCaller {
  userId: string;
  sessionId: string;
  admin: boolean;
  tokenExpiresAt: number;
}

export interface AuthenticatorSettings extends AccessTokenSettings {
  clockToleranceSeconds: number;
  /** A refetch of the JWKS for an unknown kid happens at most this often. */
  jwksRefetchCooldownMs: number;
  /**
   * How long a session check may be reused. This bounds how late a logout takes effect at the
   * gateway (documented: at most this long, default 1 s).
   */
  sessionCheckCacheMs: number;
  /** Verified tokens remembered (signature checks cost ~140 µs each); oldest dropped first. */
  verifiedTokenCacheSize: number;
}

const invalidToken = () => new AppError('unauthenticated', { detail: 'The access token is invalid or expired.' });

/**
 * Authenticates `Authorization: Bearer` access tokens at the gateway: verifies them locally
 * against auth's JWKS (cached, refetched on an unknown kid with a cooldown), caches verified
 * tokens until they expire, and checks on every request that the session is still active
 * (reusing an answer for at most `sessionCheckCacheMs`).
 */
export class AccessTokenAuthenticator {
  private verifier: AccessTokenVerifier | undefined;
  private lastJwksFetch = 0;
  private lastJwksFailure: number | undefined;
  private readonly verified = new Map<string, AccessTokenClaims>();
  private readonly sessionChecks = new Map<string, { active: boolean; checkedAt: number }>();

  constructor(
    private readonly jwks: JwksSource,
    private readonly sessions: SessionChecker,
    private readonly settings: AuthenticatorSettings,
    private readonly now: () => number = Date.now,
  ) {}

  async authenticate(authorization: string | undefined): Promise<AuthenticatedCaller> {
    const token = bearerToken(authorization);
    const claims = await this.verify(token);
    if (!(await this.sessionActive(claims.sid))) throw invalidToken();
    return { userId: claims.sub, sessionId: claims.sid, admin: claims.admin, tokenExpiresAt: claims.exp };
  }

  /**
   * Whether the header carries a bearer token this gateway has already verified and that has not
   * expired: authenticating it needs no signature check (the session is still checked). Never
   * throws; a missing or malformed header is simply not verified.
   */
  isVerified(authorization: string | undefined): boolean {
    const token = bearerTokenOrUndefined(authorization);
    const cached = token === undefined ? undefined : this.verified.get(token);
    return cached !== undefined && cached.exp + this.settings.clockToleranceSeconds > this.now() / 1000;
  }

  /** Forgets a session's cached answer at once (this gateway logged it out). */
  forgetSession(sessionId: string): void {
    this.sessionChecks.delete(sessionId);
  }

  private async verify(token: string): Promise<AccessTokenClaims> {
    const cached = this.verified.get(token);
    const nowSeconds = this.now() / 1000;
    if (cached) {
      if (cached.exp + this.settings.clockToleranceSeconds > nowSeconds) return cached;
      this.verified.delete(token);
    }
    let claims: AccessTokenClaims;
    try {
      claims = await (await this.currentVerifier()).verify(token);
    } catch (error) {
      if (!isUnknownKey(error) || !this.mayRefetchJwks()) throw error;
      this.verifier = undefined;
      claims = await (await this.currentVerifier()).verify(token);
    }
    this.remember(token, claims);
    return claims;
  }

  private async currentVerifier(): Promise<AccessTokenVerifier> {
    if (!this.verifier) {
      // A failed fetch is not retried by every request: at most once per second.
      if (this.lastJwksFailure !== undefined && this.now() - this.lastJwksFailure < 1_000) {
        throw errors.unavailable('Token keys are unavailable; try again shortly.', 1);
      }
      this.lastJwksFetch = this.now();
      let keySet: JSONWebKeySet;
      try {
        keySet = await this.jwks.fetch();
        this.lastJwksFailure = undefined;
      } catch (error) {
        this.lastJwksFailure = this.now();
        throw errors.unavailable('Token keys are unavailable; try again shortly.', 1, error);
      }
      this.verifier = new AccessTokenVerifier(keySet, this.settings, () => new Date(this.now()));
    }
    return this.verifier;
  }

  private mayRefetchJwks(): boolean {
    return this.now() - this.lastJwksFetch >= this.settings.jwksRefetchCooldownMs;
  }

  private remember(token: string, claims: AccessTokenClaims): void {
    if (this.verified.size >= this.settings.verifiedTokenCacheSize) {
      const oldest = this.verified.keys().next();
      if (!oldest.done) this.verified.delete(oldest.value);
    }
    this.verified.set(token, claims);
  }

  private async sessionActive(sessionId: string): Promise<boolean> {
    const cached = this.sessionChecks.get(sessionId);
    if (cached && this.now() - cached.checkedAt < this.settings.sessionCheckCacheMs) return cached.active;
    let active: boolean;
    try {
      active = await this.sessions.isActive(sessionId);
    } catch (error) {
      throw errors.unavailable('Sessions cannot be checked right now; try again shortly.', 1, error);
    }
    if (this.sessionChecks.size > 100_000) this.sessionChecks.clear();
    this.sessionChecks.set(sessionId, { active, checkedAt: this.now() });
    return active;
  }
}

function bearerTokenOrUndefined(authorization: string | undefined): string | undefined {
  return /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization ?? '')?.[1];
}

function bearerToken(authorization: string | undefined): string {
  const token = bearerTokenOrUndefined(authorization);
  if (token === undefined) throw errors.unauthenticated('A bearer access token is required.');
  return token;
}

function isUnknownKey(error: unknown): boolean {
  return error instanceof AppError && (error.cause === 'ERR_JWKS_NO_MATCHING_KEY' || error.cause === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS');
}
