import { randomUUID } from 'node:crypto';
import type { AccessTokenIssuer, SigningKeyRing } from '@coffer/access-tokens';
import type { authV1, userV1 } from '@coffer/contracts';
import { AppError, errors, unaryCall, unaryHandler, type Logger } from '@coffer/platform';
import type { SessionStore } from '@coffer/session-store';
import type { CredentialRepository } from './credentials/credential-repository.js';
import type { AuthEventSink } from './events/auth-events.js';
import type { LoginThrottle } from './login/login-throttle.js';
import type { PasswordHasher } from './passwords/password-hasher.js';
import { assertAcceptableNewPassword, PASSWORD_MAX_LENGTH } from './passwords/password-policy.js';
import { hashRefreshToken, looksLikeRefreshToken, newRefreshToken } from './refresh/refresh-token.js';
import type { RefreshTokenRepository } from './refresh/refresh-token-repository.js';
import type { AuthMetrics } from './auth-metrics.js';

export interface AuthServiceDeps {
  users: userV1.UserServiceClient;
  credentials: CredentialRepository;
  refreshTokens: RefreshTokenRepository;
  sessions: SessionStore;
  hasher: PasswordHasher;
  throttle: LoginThrottle;
  keys: SigningKeyRing;
  accessTokens: AccessTokenIssuer;
  /**
   * Events with no database change of their own (auth.login_failed). Every other event is
   * written by the repositories into the outbox in the transaction of its change.
   */
  events: AuthEventSink;
  /** Sign-ins by outcome and refresh-token reuse detections. */
  metrics?: AuthMetrics;
  logger: Logger;
  settings: {
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
    sessionIdleTtlMs: number;
    sessionAbsoluteTtlMs: number;
    userDeadlineMs: number;
  };
  now?: () => Date;
}

/** One answer for every failed sign-in, so it never tells whether an account exists. */
const badCredentials = () => errors.unauthenticated('Email or password is incorrect.');
const badRefreshToken = () => errors.unauthenticated('The refresh token is invalid or expired.');

function required(value: string, field: string, maxLength = 512): string {
  if (value.length === 0) throw errors.invalidArgument(`${field}: is required.`);
  if (value.length > maxLength) throw errors.invalidArgument(`${field}: is too long.`);
  return value;
}

/** The AuthService RPCs. Authorization of *who* may call is the mTLS allowlist (gateway only). */
export function authServiceImplementation(deps: AuthServiceDeps): authV1.AuthServiceServer {
  const now = deps.now ?? (() => new Date());
  const { logger, settings } = deps;

  const findUserByEmail = async (email: string): Promise<userV1.User | undefined> => {
    try {
      return (await unaryCall(deps.users.getUserByEmail.bind(deps.users), { email }, settings.userDeadlineMs)).user;
    } catch (error) {
      if (error instanceof AppError && (error.code === 'not_found' || error.code === 'invalid_argument')) return undefined;
      throw error;
    }
  };
  const getUser = async (id: string): Promise<userV1.User | undefined> => {
    try {
      return (await unaryCall(deps.users.getUser.bind(deps.users), { id }, settings.userDeadlineMs)).user;
    } catch (error) {
      if (error instanceof AppError && error.code === 'not_found') return undefined;
      throw error;
    }
  };

  /**
   * Runs the steps between a throttle's admit and the password verdict. If one throws (a
   * dependency is down), the password was never checked: the attempt is given back, then the
   * original error is rethrown. A failed refund is logged and never replaces that error.
   */
  const refundIfNotChecked = async <T>(check: () => Promise<T>, refund: () => Promise<void>): Promise<T> => {
    try {
      return await check();
    } catch (error) {
      await refund().catch((refundError: unknown) =>
        logger.warn(
          // Only the code: the limiter's error may carry its (hashed) keys.
          { refund_error: refundError instanceof AppError ? refundError.code : 'unknown' },
          'could not give back a sign-in attempt whose password was never checked',
        ),
      );
      throw error;
    }
  };

  /** A session, its refresh family and first refresh token, and an access token. */
  const openSession = async (user: userV1.User, clientIp: string, userAgent: string): Promise<authV1.LoginResponse> => {
    const at = now();
    const sessionId = randomUUID();
    const familyId = randomUUID();
    const { evictedSessionIds } = await deps.sessions.create(
      { id: sessionId, userId: user.id, createdAt: at, ip: clientIp, userAgent: userAgent.slice(0, 512), familyId },
      { idleTtlMs: settings.sessionIdleTtlMs, absoluteTtlMs: settings.sessionAbsoluteTtlMs },
    );
    // The store keeps a bounded number of sessions per user; the oldest ones it dropped end here.
    for (const evicted of evictedSessionIds) {
      await deps.refreshTokens.revokeSession(evicted, 'session-evicted', at, {
        events: [{ type: 'auth.session_revoked', userId: user.id, sessionId: evicted, reason: 'session-evicted' }],
      });
    }
    const refreshToken = newRefreshToken();
    const refreshExpiresAt = refreshExpiry(at, at);
    // The session itself lives in the session store; its refresh family is the database change
    // auth.login_succeeded is written with.
    await deps.refreshTokens.startFamily({ familyId, userId: user.id, sessionId }, { tokenHash: hashRefreshToken(refreshToken), expiresAt: refreshExpiresAt }, at, {
      events: [{ type: 'auth.login_succeeded', userId: user.id, sessionId }],
    });
    const access = await deps.accessTokens.issue({ userId: user.id, sessionId, admin: user.admin });
    return {
      userId: user.id,
      sessionId,
      tokens: { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken, refreshTokenExpiresAt: refreshExpiresAt },
    };
  };

  /** A refresh token never outlives its session's absolute lifetime. */
  const refreshExpiry = (at: Date, sessionCreatedAt: Date): Date =>
    new Date(Math.min(at.getTime() + settings.refreshTtlSeconds * 1000, sessionCreatedAt.getTime() + settings.sessionAbsoluteTtlMs));

  const revokeSession = async (userId: string, sessionId: string, reason: string): Promise<void> => {
    await deps.sessions.revoke(sessionId);
    await deps.refreshTokens.revokeSession(sessionId, reason, now(), { events: [{ type: 'auth.session_revoked', userId, sessionId, reason }] });
  };

  return {
    register: unaryHandler(logger, async (request: authV1.RegisterRequest): Promise<authV1.RegisterResponse> => {
      await deps.throttle.admitSignUp(request.clientIp);
      required(request.email, 'email', 254);
      required(request.displayName, 'displayName', 400);
      assertAcceptableNewPassword(required(request.password, 'password', PASSWORD_MAX_LENGTH * 4), { email: request.email, displayName: request.displayName });
      const passwordHash = await deps.hasher.hash(request.password);
      const { user } = await unaryCall(deps.users.createUser.bind(deps.users), { email: request.email, displayName: request.displayName }, settings.userDeadlineMs);
      if (!user) throw errors.internal(new Error('user service returned no user'));
      try {
        await deps.credentials.create(user.id, passwordHash, now(), { events: [{ type: 'auth.user_registered', userId: user.id }] });
      } catch (error) {
        // Leave nothing half-made: no profile without credentials.
        await unaryCall(deps.users.deleteUser.bind(deps.users), { id: user.id, purge: true }, settings.userDeadlineMs).catch((undoError: unknown) =>
          logger.error({ err: undoError, user_id: user.id }, 'could not purge the profile of a failed sign-up'),
        );
        throw error;
      }
      return { userId: user.id };
    }),

    login: unaryHandler(logger, async (request: authV1.LoginRequest): Promise<authV1.LoginResponse> => {
      const email = required(request.email.trim(), 'email', 254);
      const password = required(request.password, 'password', PASSWORD_MAX_LENGTH * 4);
      try {
        await deps.throttle.admit(email, request.clientIp);
      } catch (error) {
        if (error instanceof AppError && error.code === 'rate_limited') {
          deps.metrics?.login('throttled');
          await deps.events.emit({ type: 'auth.login_failed', reason: 'throttled' });
        }
        throw error;
      }
      const { user, credential, matches } = await refundIfNotChecked(
        async () => {
          const user = await findUserByEmail(email);
          const credential = user ? await deps.credentials.find(user.id) : undefined;
          const matches = user && credential ? await deps.hasher.verify(credential.passwordHash, password) : await deps.hasher.verifyUnknownAccount(password);
          return { user, credential, matches };
        },
        () => deps.throttle.notChecked(email, request.clientIp),
      );
      if (!user || !credential || !matches) {
        deps.metrics?.login('bad_credentials');
        await deps.events.emit({ type: 'auth.login_failed', reason: 'bad_credentials' });
        throw badCredentials();
      }
      await deps.throttle.succeeded(email);
      deps.metrics?.login('succeeded');
      if (deps.hasher.needsRehash(credential.passwordHash)) await deps.credentials.updatePassword(user.id, await deps.hasher.hash(password), credential.passwordChangedAt);
      return openSession(user, request.clientIp, request.userAgent);
    }),

    refresh: unaryHandler(logger, async (request: authV1.RefreshRequest): Promise<authV1.RefreshResponse> => {
      if (!looksLikeRefreshToken(request.refreshToken)) throw badRefreshToken();
      const at = now();
      const next = newRefreshToken();
      // Expiry is capped by the session below; the stored value is the ceiling.
      const outcome = await deps.refreshTokens.rotate(hashRefreshToken(request.refreshToken), { tokenHash: hashRefreshToken(next), expiresAt: refreshExpiry(at, at) }, at);
      if (outcome.outcome === 'invalid') throw badRefreshToken();
      if (outcome.outcome === 'reused') {
        // rotate() revoked the family and wrote auth.refresh_reuse_detected in one transaction.
        deps.metrics?.refreshReuseDetected();
        await deps.sessions.revoke(outcome.sessionId);
        throw badRefreshToken();
      }
      const session = await deps.sessions.touch(outcome.sessionId);
      const user = session ? await getUser(outcome.userId) : undefined;
      if (!session || !user) {
        await deps.refreshTokens.revokeFamily(outcome.familyId, session ? 'user-deleted' : 'session-ended', at);
        throw badRefreshToken();
      }
      const access = await deps.accessTokens.issue({ userId: user.id, sessionId: session.id, admin: user.admin });
      return {
        tokens: {
          accessToken: access.token,
          accessTokenExpiresAt: access.expiresAt,
          refreshToken: next,
          refreshTokenExpiresAt: new Date(Math.min(refreshExpiry(at, at).getTime(), session.absoluteExpiresAt.getTime())),
        },
      };
    }),

    logout: unaryHandler(logger, async (request: authV1.LogoutRequest): Promise<authV1.LogoutResponse> => {
      const session = await deps.sessions.get(required(request.sessionId, 'sessionId', 128));
      if (session) await revokeSession(session.userId, session.id, 'logout');
      return {};
    }),

    revokeAllSessions: unaryHandler(logger, async (request: authV1.RevokeAllSessionsRequest): Promise<authV1.RevokeAllSessionsResponse> => {
      const userId = required(request.userId, 'userId', 64);
      const revoked = await deps.sessions.revokeAllForUser(userId);
      await deps.refreshTokens.revokeUser(userId, 'logout-all', now(), undefined, { events: [{ type: 'auth.sessions_revoked_all', userId, count: revoked }] });
      return { revoked };
    }),

    checkSession: unaryHandler(logger, async (request: authV1.CheckSessionRequest): Promise<authV1.CheckSessionResponse> => {
      return { active: (await deps.sessions.touch(required(request.sessionId, 'sessionId', 128))) !== undefined };
    }),

    getJwks: unaryHandler(logger, (): Promise<authV1.GetJwksResponse> => Promise.resolve({ jwksJson: JSON.stringify(deps.keys.jwks()) })),

    changePassword: unaryHandler(logger, async (request: authV1.ChangePasswordRequest): Promise<authV1.ChangePasswordResponse> => {
      const userId = required(request.userId, 'userId', 64);
      const user = await getUser(userId);
      const credential = user ? await deps.credentials.find(userId) : undefined;
      if (!user || !credential) throw errors.unauthenticated();
      await deps.throttle.admitAccount(user.email);
      const matches = await refundIfNotChecked(
        () => deps.hasher.verify(credential.passwordHash, request.currentPassword),
        () => deps.throttle.notCheckedAccount(user.email),
      );
      if (!matches) {
        // 400, not 401: the caller is signed in; only this field is wrong.
        throw errors.invalidArgument('currentPassword: is incorrect.');
      }
      await deps.throttle.succeeded(user.email);
      assertAcceptableNewPassword(request.newPassword, { email: user.email, displayName: user.displayName });
      // The event is written with the new hash; the other sessions are revoked right after (the
      // session store is Redis, not part of that transaction).
      await deps.credentials.updatePassword(userId, await deps.hasher.hash(request.newPassword), now(), { events: [{ type: 'auth.password_changed', userId }] });
      await deps.sessions.revokeAllForUser(userId, { except: request.sessionId });
      await deps.refreshTokens.revokeUser(userId, 'password-changed', now(), request.sessionId);
      return {};
    }),

    listSessions: unaryHandler(logger, async (request: authV1.ListSessionsRequest): Promise<authV1.ListSessionsResponse> => {
      const sessions = await deps.sessions.listForUser(required(request.userId, 'userId', 64));
      return {
        sessions: sessions.map((session) => ({
          id: session.id,
          userId: session.userId,
          createdAt: session.createdAt,
          lastUsedAt: session.lastSeenAt,
          userAgent: session.userAgent,
          clientIp: session.ip,
        })),
      };
    }),
  };
}
