import { describe, expect, it } from 'vitest';
import { CofferApiError } from './coffer-errors.js';
import { MissingRefreshTokenError, TokenSession, type TokenPair } from './token-session.js';

const pair = (n: number, expiresIn = 600): TokenPair => ({
  accessToken: `access-${n}`,
  refreshToken: `refresh-${n}`,
  tokenType: 'Bearer',
  expiresIn,
  refreshTokenExpiresAt: '2030-01-01T00:00:00Z',
});

/** A JWT-shaped token (unsigned: the session only reads its timing). */
const jwt = (claims: Record<string, number>) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('TokenSession', () => {
  it('refreshes once for many concurrent callers and reports each new pair', async () => {
    let now = 0;
    const presented: string[] = [];
    const reported: (TokenPair | undefined)[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const session = new TokenSession({
      initial: pair(1, 100),
      clock: () => now,
      onTokens: (tokens) => void reported.push(tokens),
      exchangeRefreshToken: async (refreshToken) => {
        presented.push(refreshToken);
        await gate;
        return pair(presented.length + 1, 100);
      },
    });
    now = 99_000; // within the last quarter of the lifetime
    const tokens = Promise.all([session.currentAccessToken(), session.currentAccessToken(), session.refreshAfterRejection('access-1')]);
    release();
    expect(await tokens).toEqual(['access-2', 'access-2', true]);
    expect(presented).toEqual(['refresh-1']);
    expect(reported.map((tokens) => tokens?.refreshToken)).toEqual(['refresh-2']);

    // Rotation: the next refresh presents the new refresh token, never the used one.
    await session.refresh();
    expect(presented).toEqual(['refresh-1', 'refresh-2']);
    expect(session.tokens?.accessToken).toBe('access-3');
  });

  it('does not refresh a token that is still fresh', async () => {
    let refreshes = 0;
    const session = new TokenSession({ initial: pair(1, 600), clock: () => 0, exchangeRefreshToken: () => Promise.resolve(pair(++refreshes + 1)) });
    expect(await session.currentAccessToken()).toBe('access-1');
    expect(refreshes).toBe(0);
  });

  it('after a 401, uses a token another caller already refreshed instead of refreshing again', async () => {
    let refreshes = 0;
    const session = new TokenSession({ initial: pair(1), clock: () => 0, exchangeRefreshToken: () => Promise.resolve(pair(++refreshes + 1)) });
    await session.refresh();
    expect(await session.refreshAfterRejection('access-1')).toBe(true);
    expect(refreshes).toBe(1);
  });

  it('reads the expiry of a saved access token from its JWT claims', async () => {
    const nowSeconds = 1_000_000;
    let refreshes = 0;
    const session = new TokenSession({
      initial: { accessToken: jwt({ iat: nowSeconds - 590, exp: nowSeconds + 10 }), refreshToken: 'saved' },
      clock: () => nowSeconds * 1000,
      exchangeRefreshToken: () => Promise.resolve(pair(++refreshes)),
    });
    expect(await session.currentAccessToken()).toBe('access-1');
  });

  it('refreshes first when it holds only a refresh token', async () => {
    const session = new TokenSession({ initial: { refreshToken: 'saved' }, exchangeRefreshToken: () => Promise.resolve(pair(7)) });
    expect(session.tokens).toBeUndefined();
    expect(session.signedIn).toBe(true);
    expect(await session.currentAccessToken()).toBe('access-7');
  });

  it('forgets the tokens when the refresh is refused, and says so', async () => {
    const reported: (TokenPair | undefined)[] = [];
    const session = new TokenSession({
      initial: pair(1),
      onTokens: (tokens) => void reported.push(tokens),
      exchangeRefreshToken: () => Promise.reject(new CofferApiError({ status: 401, problem: { code: 'invalid_refresh_token' } })),
    });
    await expect(session.refresh()).rejects.toBeInstanceOf(CofferApiError);
    expect(session.signedIn).toBe(false);
    expect(reported).toEqual([undefined]);
    await expect(session.refresh()).rejects.toBeInstanceOf(MissingRefreshTokenError);
    expect(await session.refreshAfterRejection('access-1')).toBe(false);
  });
});
