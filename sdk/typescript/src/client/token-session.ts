import type { components } from '../generated/openapi.generated.js';
import { CofferApiError } from './coffer-errors.js';

/** The answer of login and refresh. */
export type TokenPair = components['schemas']['TokenPair'];

/** Tokens a client may start with: a full pair, or just what a caller kept (e.g. a CLI profile). */
export type InitialTokens = TokenPair | { accessToken?: string; refreshToken?: string };

/** Receives the tokens after each login, refresh and logout (`undefined`), e.g. to persist them. */
export type TokensListener = (tokens: TokenPair | undefined) => void | Promise<void>;

/** What a {@link TokenSession} needs. */
export interface TokenSessionOptions {
  initial?: InitialTokens | undefined;
  onTokens?: TokensListener | undefined;
  /** Exchanges a refresh token for a new pair (POST /v1/auth/refresh, without the access token). */
  exchangeRefreshToken: (refreshToken: string) => Promise<TokenPair>;
  /** Milliseconds since the epoch; `Date.now` by default. */
  clock?: () => number;
}

/** Refresh when less than this share of the token's lifetime is left (capped by {@link MAX_REFRESH_MARGIN_MS}). */
const REFRESH_MARGIN_SHARE = 0.25;
const MAX_REFRESH_MARGIN_MS = 30_000;

/** Thrown when a refresh is needed but there is no refresh token. */
export class MissingRefreshTokenError extends Error {
  constructor() {
    super('No refresh token: log in first.');
    this.name = 'MissingRefreshTokenError';
  }
}

/**
 * The access and refresh tokens of one client. Refreshes ahead of the access token's expiry and
 * on demand (after a 401), one refresh at a time: concurrent callers share the refresh in
 * flight, so a rotated refresh token is never presented twice (which would revoke its family).
 */
export class TokenSession {
  private accessToken: string | undefined;
  private refreshToken: string | undefined;
  private pair: TokenPair | undefined;
  /** When the access token expires, and how long it lived (ms), when known. */
  private expiresAtMs: number | undefined;
  private lifetimeMs: number | undefined;
  private refreshing: Promise<TokenPair> | undefined;
  private readonly clock: () => number;

  constructor(private readonly options: TokenSessionOptions) {
    this.clock = options.clock ?? Date.now;
    const initial = options.initial;
    if (initial === undefined) return;
    if (isTokenPair(initial)) {
      this.adopt(initial);
    } else {
      this.accessToken = initial.accessToken || undefined;
      this.refreshToken = initial.refreshToken || undefined;
      this.expiryFromJwt();
    }
  }

  /** The latest full pair from login or refresh (or given at construction); `undefined` otherwise. */
  get tokens(): TokenPair | undefined {
    return this.pair;
  }

  /** Whether there is an access or refresh token to call with. */
  get signedIn(): boolean {
    return this.accessToken !== undefined || this.refreshToken !== undefined;
  }

  /** The access token to send now, refreshed first when it is about to expire (and can be). */
  async currentAccessToken(): Promise<string | undefined> {
    if (this.refreshToken !== undefined && this.expiresSoon()) {
      await this.refresh();
    }
    return this.accessToken;
  }

  /**
   * After a request sent with `rejectedAccessToken` got a 401: refreshes unless another caller
   * already did (then the newer token is used). Returns whether a retry with a new token makes sense.
   */
  async refreshAfterRejection(rejectedAccessToken: string | undefined): Promise<boolean> {
    if (this.refreshToken === undefined && this.refreshing === undefined) return false;
    if (this.accessToken !== rejectedAccessToken && this.accessToken !== undefined) return true;
    await this.refresh();
    return true;
  }

  /** Exchanges the refresh token for a new pair, joining a refresh already in flight. */
  refresh(): Promise<TokenPair> {
    if (this.refreshing) return this.refreshing;
    const refreshToken = this.refreshToken;
    if (refreshToken === undefined) return Promise.reject(new MissingRefreshTokenError());
    const refreshing = (async () => {
      try {
        const pair = await this.options.exchangeRefreshToken(refreshToken);
        await this.set(pair);
        return pair;
      } catch (error) {
        // The refresh token is spent, expired or revoked: the tokens are of no use any more.
        if (error instanceof CofferApiError && error.status === 401) await this.set(undefined);
        throw error;
      } finally {
        this.refreshing = undefined;
      }
    })();
    this.refreshing = refreshing;
    return refreshing;
  }

  /** Replaces the tokens (login, refresh) or forgets them (`undefined`: logout), and tells the listener. */
  async set(pair: TokenPair | undefined): Promise<void> {
    if (pair === undefined) {
      this.accessToken = undefined;
      this.refreshToken = undefined;
      this.pair = undefined;
      this.expiresAtMs = undefined;
      this.lifetimeMs = undefined;
    } else {
      this.adopt(pair);
    }
    await this.options.onTokens?.(pair);
  }

  private adopt(pair: TokenPair): void {
    this.pair = pair;
    this.accessToken = pair.accessToken;
    this.refreshToken = pair.refreshToken;
    this.expiresAtMs = undefined;
    this.lifetimeMs = undefined;
    // The JWT's own exp and iat are right even for a pair persisted long ago; expiresIn is
    // relative to when the pair was issued, which is only "now" for a pair just received.
    if (!this.expiryFromJwt() && Number.isFinite(pair.expiresIn) && pair.expiresIn > 0) {
      this.lifetimeMs = pair.expiresIn * 1000;
      this.expiresAtMs = this.clock() + this.lifetimeMs;
    }
  }

  private expiryFromJwt(): boolean {
    const claims = this.accessToken === undefined ? undefined : jwtClaims(this.accessToken);
    if (claims === undefined || typeof claims['exp'] !== 'number') return false;
    this.expiresAtMs = claims['exp'] * 1000;
    const issuedAt = claims['iat'];
    this.lifetimeMs = typeof issuedAt === 'number' && issuedAt < claims['exp'] ? (claims['exp'] - issuedAt) * 1000 : undefined;
    return true;
  }

  private expiresSoon(): boolean {
    if (this.accessToken === undefined) return true;
    if (this.expiresAtMs === undefined) return false;
    const margin = Math.min(MAX_REFRESH_MARGIN_MS, (this.lifetimeMs ?? MAX_REFRESH_MARGIN_MS * 4) * REFRESH_MARGIN_SHARE);
    return this.clock() >= this.expiresAtMs - margin;
  }
}

function isTokenPair(tokens: InitialTokens): tokens is TokenPair {
  return (
    typeof tokens.accessToken === 'string' &&
    typeof tokens.refreshToken === 'string' &&
    'expiresIn' in tokens &&
    typeof tokens.expiresIn === 'number' &&
    'tokenType' in tokens
  );
}

/** The payload of a JWT, unverified (only its timing is used, to refresh in time). */
function jwtClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return claims !== null && typeof claims === 'object' ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
