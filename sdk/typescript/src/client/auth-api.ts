import type { HttpTransport } from './http-transport.js';
import type { ChangePasswordRequest, LoginRequest, Session, SignUpRequest, User } from './schemas.js';
import type { TokenPair, TokenSession } from './token-session.js';

/** Sign-up, sign-in, tokens and sessions. */
export class AuthApi {
  /** @internal */
  constructor(
    private readonly transport: HttpTransport,
    private readonly session: TokenSession,
  ) {}

  /** The latest token pair (from login, refresh, or the constructor); `undefined` when signed out. */
  get tokens(): TokenPair | undefined {
    return this.session.tokens;
  }

  /** Whether the client holds an access or refresh token. */
  get signedIn(): boolean {
    return this.session.signedIn;
  }

  /** Creates an account (not signed in afterwards: call {@link AuthApi.login}). */
  signUp(body: SignUpRequest): Promise<User> {
    return this.transport.json<User>({ method: 'POST', path: '/v1/users', json: body, authenticated: false });
  }

  /** Signs in; the client keeps the tokens, refreshes them as needed and reports them to `onTokens`. */
  async login(body: LoginRequest): Promise<TokenPair> {
    const pair = await this.transport.json<TokenPair>({ method: 'POST', path: '/v1/auth/login', json: body, authenticated: false });
    await this.session.set(pair);
    return pair;
  }

  /** Rotates the refresh token now (the client also does this by itself when needed). */
  refresh(): Promise<TokenPair> {
    return this.session.refresh();
  }

  /** Ends this session on the server and forgets the tokens. */
  async logout(): Promise<void> {
    try {
      await this.transport.send({ method: 'POST', path: '/v1/auth/logout' });
    } finally {
      await this.session.set(undefined);
    }
  }

  /** Ends every session of the user and forgets the tokens. */
  async logoutEverywhere(): Promise<void> {
    try {
      await this.transport.send({ method: 'POST', path: '/v1/auth/logout-all' });
    } finally {
      await this.session.set(undefined);
    }
  }

  /** Changes the password; every other session is revoked. */
  async changePassword(body: ChangePasswordRequest): Promise<void> {
    await this.transport.send({ method: 'POST', path: '/v1/auth/password', json: body });
  }

  /** The user's live sessions. */
  async listSessions(): Promise<Session[]> {
    return (await this.transport.json<{ sessions: Session[] }>({ method: 'GET', path: '/v1/auth/sessions' })).sessions;
  }

  /** Revokes one session. */
  async revokeSession(sessionId: string): Promise<void> {
    await this.transport.send({ method: 'DELETE', path: `/v1/auth/sessions/${encodeURIComponent(sessionId)}` });
  }
}
