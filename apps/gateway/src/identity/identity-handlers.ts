import type { Request, Response } from 'express';
import type { authV1, restApi, userV1 } from '@coffer/contracts';
import { AppError, errors, unaryCall } from '@coffer/platform';
import { callerOf, parametersOf } from '../http/gateway-app.js';
import type { OperationHandlers } from '../http/operation.js';

type Schemas = restApi.components['schemas'];

export interface IdentityHandlerDeps {
  auth: authV1.AuthServiceClient;
  users: userV1.UserServiceClient;
  /** Forgets a session's cached check, so this gateway refuses its tokens at once. */
  forgetSession(sessionId: string): void;
  deadlineMs: number;
}

function toUser(user: userV1.User | undefined): Schemas['User'] {
  if (!user) throw errors.internal(new Error('a user RPC answered without a user'));
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    admin: user.admin,
    createdAt: (user.createdAt ?? new Date(0)).toISOString(),
    updatedAt: (user.updatedAt ?? new Date(0)).toISOString(),
  };
}

function toTokenPair(tokens: authV1.TokenPair | undefined, now = Date.now()): Schemas['TokenPair'] {
  if (!tokens) throw errors.internal(new Error('an auth RPC answered without tokens'));
  return {
    accessToken: tokens.accessToken,
    tokenType: 'Bearer',
    expiresIn: Math.max(0, Math.round(((tokens.accessTokenExpiresAt?.getTime() ?? now) - now) / 1000)),
    refreshToken: tokens.refreshToken,
    refreshTokenExpiresAt: (tokens.refreshTokenExpiresAt ?? new Date(now)).toISOString(),
  };
}

/** Token responses must never be cached (RFC 6749 §5.1). */
function sendTokens(res: Response, tokens: authV1.TokenPair | undefined): void {
  res.status(200).setHeader('cache-control', 'no-store').setHeader('pragma', 'no-cache').json(toTokenPair(tokens));
}

function requireAdmin(res: Response): void {
  if (!callerOf(res).admin) throw errors.permissionDenied('Only administrators may do this.');
}

/** Handlers of the identity operations: sign-up, profile, tokens, sessions, JWKS. */
export function identityHandlers(deps: IdentityHandlerDeps): OperationHandlers {
  const { auth, users, deadlineMs } = deps;
  const call = <Req, Res>(method: Parameters<typeof unaryCall<Req, Res>>[0], request: Req) => unaryCall(method, request, deadlineMs);
  const body = <T>(req: Request) => req.body as T;

  return {
    signUp: async (req, res) => {
      const input = body<Schemas['SignUpRequest']>(req);
      const { userId } = await call(auth.register.bind(auth), { email: input.email, password: input.password, displayName: input.displayName, clientIp: req.ip ?? '' });
      const { user } = await call(users.getUser.bind(users), { id: userId });
      res.status(201).setHeader('location', `/v1/users/${userId}`).json(toUser(user));
    },

    login: async (req, res) => {
      const input = body<Schemas['LoginRequest']>(req);
      const { tokens } = await call(auth.login.bind(auth), { email: input.email, password: input.password, clientIp: req.ip ?? '', userAgent: req.header('user-agent') ?? '' });
      sendTokens(res, tokens);
    },

    refreshTokens: async (req, res) => {
      const { tokens } = await call(auth.refresh.bind(auth), { refreshToken: body<Schemas['RefreshRequest']>(req).refreshToken, clientIp: req.ip ?? '' });
      sendTokens(res, tokens);
    },

    logout: async (_req, res) => {
      const { sessionId } = callerOf(res);
      await call(auth.logout.bind(auth), { sessionId });
      deps.forgetSession(sessionId);
      res.status(204).end();
    },

    logoutEverywhere: async (_req, res) => {
      const { userId, sessionId } = callerOf(res);
      await call(auth.revokeAllSessions.bind(auth), { userId });
      deps.forgetSession(sessionId);
      res.status(204).end();
    },

    changePassword: async (req, res) => {
      const input = body<Schemas['ChangePasswordRequest']>(req);
      const { userId, sessionId } = callerOf(res);
      await call(auth.changePassword.bind(auth), { userId, sessionId, currentPassword: input.currentPassword, newPassword: input.newPassword });
      res.status(204).end();
    },

    listSessions: async (_req, res) => {
      const { userId, sessionId } = callerOf(res);
      const { sessions } = await call(auth.listSessions.bind(auth), { userId });
      const list: Schemas['SessionList'] = {
        sessions: sessions.map((session) => ({
          id: session.id,
          createdAt: (session.createdAt ?? new Date(0)).toISOString(),
          lastSeenAt: (session.lastUsedAt ?? session.createdAt ?? new Date(0)).toISOString(),
          clientIp: session.clientIp,
          userAgent: session.userAgent,
          current: session.id === sessionId,
        })),
      };
      res.status(200).setHeader('cache-control', 'no-store').json(list);
    },

    revokeSession: async (_req, res) => {
      const { userId } = callerOf(res);
      const target = parametersOf(res)['sessionId'];
      if (typeof target !== 'string') throw errors.invalidArgument('sessionId: is required.');
      const { sessions } = await call(auth.listSessions.bind(auth), { userId });
      // Someone else's session and a missing one look the same.
      if (!sessions.some((session) => session.id === target)) throw errors.notFound('No such session.');
      await call(auth.logout.bind(auth), { sessionId: target });
      deps.forgetSession(target);
      res.status(204).end();
    },

    getJwks: async (_req, res) => {
      const { jwksJson } = await call(auth.getJwks.bind(auth), {});
      res.status(200).setHeader('cache-control', 'public, max-age=300').type('application/json').send(jwksJson);
    },

    getMe: async (_req, res) => {
      const { user } = await call(users.getUser.bind(users), { id: callerOf(res).userId });
      res.status(200).setHeader('cache-control', 'no-store').json(toUser(user));
    },

    updateMe: async (req, res) => {
      const input = body<Schemas['UpdateProfileRequest']>(req);
      const { user } = await call(users.updateUser.bind(users), { id: callerOf(res).userId, email: input.email, displayName: input.displayName });
      res.status(200).json(toUser(user));
    },

    deleteMe: async (_req, res) => {
      const { userId, sessionId } = callerOf(res);
      // Sessions first: if the deletion then fails, the user is signed out, never a deleted
      // account with live tokens.
      await call(auth.revokeAllSessions.bind(auth), { userId });
      deps.forgetSession(sessionId);
      await call(users.deleteUser.bind(users), { id: userId, purge: false });
      res.status(204).end();
    },

    listUsers: async (_req, res) => {
      requireAdmin(res);
      const parameters = parametersOf(res);
      const pageToken = typeof parameters['pageToken'] === 'string' ? parameters['pageToken'] : '';
      const page = await call(users.listUsers.bind(users), { pageSize: Number(parameters['pageSize'] ?? 50), pageToken });
      const result: Schemas['UserPage'] = { users: page.users.map(toUser), ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
      res.status(200).json(result);
    },

    getUser: async (_req, res) => {
      requireAdmin(res);
      try {
        const id = parametersOf(res)['userId'];
        if (typeof id !== 'string') throw errors.invalidArgument('userId: is required.');
        const { user } = await call(users.getUser.bind(users), { id });
        res.status(200).json(toUser(user));
      } catch (error) {
        if (error instanceof AppError && error.code === 'not_found') throw errors.notFound('No such user.');
        throw error;
      }
    },
  };
}
