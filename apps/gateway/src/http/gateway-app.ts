import express, { type Express, type Request, type Response } from 'express';
import { AppError, currentRequestContext, isAppError, type HttpServerMetrics, type Logger, type Tracing } from '@coffer/platform';
import type { AuthenticatedCaller } from '../auth/access-token-authenticator.js';
import { restOperations, type RestOperation } from '@coffer/contracts';
import { expressPath, type OperationHandlers } from './operation.js';
import { problemErrorHandler, sendProblem } from './problem-response.js';
import { requestValidator } from './request-validation.js';
import { badTokenBudget, DEFAULT_BAD_TOKEN_RULE, rateLimiting, type GatewayRateLimitMetrics, type RateLimitPolicy } from './rate-limiting.js';
import type { RateLimiter } from '@coffer/rate-limit';
import { requestTelemetry } from './request-telemetry.js';
import { cors, securityHeaders } from './edge-headers.js';
import { DEFAULT_MAX_HEADER_COUNT, headerCountLimit, wellFormedUrlEncoding } from './client-errors.js';
import { apiDocsPage, serveOpenApiJson } from './api-docs.js';
import { idempotencyKeys, type IdempotencySettings } from '../idempotency/idempotency-keys.js';

export interface GatewayAppDeps {
  logger: Logger;
  tracing: Tracing;
  httpMetrics: HttpServerMetrics;
  handlers: OperationHandlers;
  /**
   * Authenticates callers of every operation that is not public in the contract. `isVerified`
   * (the verified-token cache) lets a token already verified past the budget of failed
   * authentications; without it every presented token is looked up in that budget first.
   */
  authenticator: { authenticate(authorization: string | undefined): Promise<AuthenticatedCaller>; isVerified?(authorization: string | undefined): boolean };
  rateLimits: { limiter: RateLimiter; policy: RateLimitPolicy; metrics: GatewayRateLimitMetrics };
  /** Idempotency-Key on the operations whose contract has the parameter (docs/adr/0020-idempotency-keys.md). */
  idempotency: IdempotencySettings;
  /** Browser origins allowed by CORS (none by default) and the HSTS max-age (0: off). */
  edge?: { corsOrigins: readonly string[]; hstsMaxAgeSeconds: number; trustProxy?: boolean | number | string; maxHeaderCount?: number };
  /** The contract's operations; defaults to every operation of openapi/coffer.yaml. */
  operations?: readonly RestOperation[];
}

/**
 * The gateway's express app: telemetry first, then one route per OpenAPI operation (caller,
 * rate limit, validation, Idempotency-Key where the contract has it, handler), then
 * problem+json for everything that is not a route (404), a route with another method (405),
 * or an error. Does no I/O itself.
 */
export function createGatewayApp(deps: GatewayAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // req.ip is the socket peer unless the operator names the proxies in front (COFFER_TRUST_PROXY).
  app.set('trust proxy', deps.edge?.trustProxy ?? false);
  app.use(requestTelemetry({ tracing: deps.tracing, metrics: deps.httpMetrics, logger: deps.logger }));
  app.use(securityHeaders({ hstsMaxAgeSeconds: deps.edge?.hstsMaxAgeSeconds ?? 0 }));
  app.use(headerCountLimit(deps.edge?.maxHeaderCount ?? DEFAULT_MAX_HEADER_COUNT));
  app.use(wellFormedUrlEncoding());
  app.use(cors(deps.edge?.corsOrigins ?? []));
  app.get('/openapi.json', serveOpenApiJson);
  app.get('/docs', apiDocsPage());

  // Failed bearer authentications cost a signature check each: they have a per-address budget
  // (EXT-20). A missing Authorization header costs nothing and is not counted.
  const badTokens = badTokenBudget({
    limiter: deps.rateLimits.limiter,
    rule: deps.rateLimits.policy.badTokens ?? DEFAULT_BAD_TOKEN_RULE,
    failMode: deps.rateLimits.policy.failMode,
    metrics: deps.rateLimits.metrics,
    logger: deps.logger,
  });
  // Deny by default: every operation not marked public in the contract needs a caller.
  const authenticate = async (req: Request, res: Response, next: (error?: unknown) => void) => {
    const authorization = req.header('authorization');
    const presented = authorization !== undefined && authorization !== '';
    if (presented && deps.authenticator.isVerified?.(authorization) !== true) await badTokens.admit(req.ip, res);
    let caller: AuthenticatedCaller;
    try {
      caller = await deps.authenticator.authenticate(authorization);
    } catch (error) {
      if (presented && isAppError(error) && error.code === 'unauthenticated') await badTokens.charge(req.ip);
      throw error;
    }
    res.locals['caller'] = caller;
    const context = currentRequestContext();
    if (context) context.userId = caller.userId;
    next();
  };
  const operations = [...(deps.operations ?? restOperations)].sort(staticSegmentsFirst);
  const methodsByPath = new Map<string, string[]>();
  for (const operation of operations) {
    const path = expressPath(operation);
    const handler = deps.handlers[operation.operationId] ?? notImplemented(operation.operationId);
    const limit = rateLimiting(operation.operationId, { ...deps.rateLimits, logger: deps.logger });
    // After validation (the fingerprint covers the validated parameters and the parsed JSON body), right before the handler.
    const idempotent = idempotencyKeys(operation, { ...deps.idempotency, logger: deps.logger });
    app[operation.method](
      path,
      ...(operation.public ? [] : [authenticate]),
      limit,
      ...requestValidator(operation),
      ...(idempotent ? [idempotent] : []),
      async (req: Request, res: Response) => handler(req, res),
    );
    methodsByPath.set(path, [...(methodsByPath.get(path) ?? []), operation.method.toUpperCase()]);
  }
  for (const [path, methods] of methodsByPath) {
    const allow = [...methods, ...(methods.includes('GET') ? ['HEAD'] : [])].join(', ');
    app.all(path, (req, res) => {
      res.setHeader('allow', allow);
      sendProblem(res, new AppError('method_not_allowed', { detail: `${req.method} is not allowed here; use ${allow}.` }), req.path);
    });
  }
  app.use((req, res) => {
    sendProblem(res, new AppError('not_found', { detail: `No route for ${req.method} ${req.path}.` }), req.path);
  });
  app.use(problemErrorHandler(deps.logger));
  return app;
}

function notImplemented(operationId: string) {
  return (req: Request, res: Response): Promise<void> => {
    sendProblem(res, new AppError('not_implemented', { detail: `${operationId} is not implemented yet.` }), req.path);
    return Promise.resolve();
  };
}

/** The validated path and query parameters of the request (set before its handler runs). */
export function parametersOf(res: Response): Record<string, unknown> {
  return (res.locals['parameters'] as Record<string, unknown> | undefined) ?? {};
}

/** The authenticated caller of a non-public operation (set before its handler runs). */
export function callerOf(res: Response): AuthenticatedCaller {
  const caller = res.locals['caller'] as AuthenticatedCaller | undefined;
  if (!caller) throw new AppError('unauthenticated');
  return caller;
}

/** `/v1/users/me` must be routed before `/v1/users/{userId}`. */
function staticSegmentsFirst(a: RestOperation, b: RestOperation): number {
  const rank = (operation: RestOperation) => operation.path.split('/').map((segment) => (segment.startsWith('{') ? '1' : '0')).join('');
  return rank(a).localeCompare(rank(b));
}
