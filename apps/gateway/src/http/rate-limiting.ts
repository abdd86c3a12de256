import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { Counter, type Registry } from 'prom-client';
import type { RateLimiter, RateLimitRule } from '@coffer/rate-limit';
import { AppError, isAppError, type Logger } from '@coffer/platform';
import type { AuthenticatedCaller } from '../auth/access-token-authenticator.js';
import type { OperationId } from './operation.js';

/** Route classes: sign-in and sign-up are far stricter than the rest. */
export type RateLimitClass = 'credentials' | 'anonymous' | 'user';

export interface RateLimitPolicy {
  /** Requests per window for each class. */
  rules: Readonly<Record<RateLimitClass, RateLimitRule>>;
  /**
   * What happens when the limiter's store (Redis) cannot answer: `open` lets requests through
   * (availability first; auth's own login throttling still applies), `closed` answers 503.
   */
  failMode: 'open' | 'closed';
  /**
   * Failed bearer authentications per client address (COFFER_RATE_LIMIT_BAD_TOKENS per
   * COFFER_RATE_LIMIT_WINDOW_S); see {@link badTokenBudget}. Default {@link DEFAULT_BAD_TOKEN_RULE}.
   */
  badTokens?: RateLimitRule;
}

/** Failed bearer authentications allowed per client address: 60 a minute. */
export const DEFAULT_BAD_TOKEN_RULE: RateLimitRule = Object.freeze({ limit: 60, windowMs: 60_000 });

const CREDENTIAL_OPERATIONS: ReadonlySet<OperationId> = new Set<OperationId>(['signUp', 'login', 'refreshTokens', 'changePassword']);

/** Keys never hold an address or user id in the clear (they sit in Redis). */
function limitKey(kind: string, value: string): string {
  return `gw:${kind}:${createHash('sha256').update(value).digest('base64url')}`;
}

export class GatewayRateLimitMetrics {
  readonly limited: Counter<'class'>;
  readonly storeErrors: Counter<'fail_mode'>;

  constructor(registry: Registry) {
    this.limited = new Counter({ name: 'gateway_rate_limited_total', help: 'Requests refused with 429, by route class.', labelNames: ['class'], registers: [registry] });
    this.storeErrors = new Counter({
      name: 'gateway_rate_limit_store_errors_total',
      help: 'Requests whose rate limit could not be checked because the store did not answer, by the fail mode applied.',
      labelNames: ['fail_mode'],
      registers: [registry],
    });
  }
}

/**
 * Rate limiting per operation: credential operations per client address in their own strict
 * class; other anonymous calls per address; authenticated calls per user. Sets the IETF
 * `RateLimit-Policy` and `RateLimit` headers (draft-ietf-httpapi-ratelimit-headers) on every
 * answer and Retry-After on a 429.
 */
export function rateLimiting(
  operationId: OperationId,
  deps: { limiter: RateLimiter; policy: RateLimitPolicy; metrics: GatewayRateLimitMetrics; logger: Logger },
): RequestHandler {
  return async (req: Request, res: Response, next: (error?: unknown) => void) => {
    const caller = res.locals['caller'] as AuthenticatedCaller | undefined;
    const rateClass: RateLimitClass = CREDENTIAL_OPERATIONS.has(operationId) ? 'credentials' : caller ? 'user' : 'anonymous';
    const key = rateClass === 'user' && caller ? limitKey('user', caller.userId) : limitKey(rateClass, req.ip ?? 'unknown');
    const rule = deps.policy.rules[rateClass];
    let decision;
    try {
      decision = await deps.limiter.consume(key, rule);
    } catch (error) {
      if (!isAppError(error) || error.code !== 'unavailable') throw error;
      deps.metrics.storeErrors.inc({ fail_mode: deps.policy.failMode });
      deps.logger.warn({ fail_mode: deps.policy.failMode, err: error.cause ?? error }, 'rate limit store unavailable');
      if (deps.policy.failMode === 'closed') throw new AppError('unavailable', { detail: 'Rate limits cannot be checked right now; try again shortly.', retryAfterSeconds: 1 });
      next();
      return;
    }
    const windowSeconds = Math.ceil(rule.windowMs / 1000);
    res.setHeader('ratelimit-policy', `"${rateClass}";q=${rule.limit};w=${windowSeconds}`);
    res.setHeader('ratelimit', `"${rateClass}";r=${decision.remaining};t=${Math.ceil(decision.resetMs / 1000)}`);
    if (!decision.allowed) {
      deps.metrics.limited.inc({ class: rateClass });
      throw new AppError('rate_limited', { detail: 'Too many requests; slow down.', retryAfterSeconds: Math.max(1, Math.ceil(decision.retryAfterMs / 1000)) });
    }
    next();
  };
}

/** Bytes charged to the byte limit at a time while an upload of unknown size streams. */
export const UPLOAD_BYTE_CHARGE_STEP = 8 * 1024 * 1024;

/**
 * The byte side of upload rate limiting (the request side is the `user` class): each user may
 * upload `rule.limit` bytes per window. A declared size (Content-Length) is charged at once,
 * so an upload that cannot fit is refused before a byte is read; a body of unknown size is
 * charged in steps of {@link UPLOAD_BYTE_CHARGE_STEP} as it arrives and stopped with 429 when
 * the budget runs out. A store that does not answer applies the fail mode, as for requests.
 */
export function uploadByteBudget(
  userId: string,
  declaredBytes: number | undefined,
  deps: { limiter: RateLimiter; rule: RateLimitRule; failMode: 'open' | 'closed'; metrics: GatewayRateLimitMetrics; logger: Logger },
): (bytes: number) => Promise<void> {
  const key = limitKey('upload-bytes', userId);
  let charged = 0;
  let seen = 0;
  let storeDown = false;
  const charge = async (cost: number) => {
    if (storeDown || cost <= 0) return;
    let decision;
    try {
      decision = await deps.limiter.consume(key, { ...deps.rule, cost: Math.min(cost, deps.rule.limit) });
    } catch (error) {
      if (!isAppError(error) || error.code !== 'unavailable') throw error;
      deps.metrics.storeErrors.inc({ fail_mode: deps.failMode });
      deps.logger.warn({ fail_mode: deps.failMode, err: error.cause ?? error }, 'rate limit store unavailable (upload bytes)');
      if (deps.failMode === 'closed') throw new AppError('unavailable', { detail: 'Rate limits cannot be checked right now; try again shortly.', retryAfterSeconds: 1 });
      storeDown = true;
      return;
    }
    if (!decision.allowed) {
      deps.metrics.limited.inc({ class: 'upload_bytes' });
      throw new AppError('rate_limited', { detail: 'Upload byte limit reached; slow down.', retryAfterSeconds: Math.max(1, Math.ceil(decision.retryAfterMs / 1000)) });
    }
    charged += cost;
  };
  let first = true;
  return async (bytes: number) => {
    if (first) {
      first = false;
      if (declaredBytes !== undefined && declaredBytes > deps.rule.limit) {
        throw new AppError('payload_too_large', { detail: `This upload is larger than the ${deps.rule.limit}-byte upload allowance per ${Math.round(deps.rule.windowMs / 1000)} s.` });
      }
      if (declaredBytes !== undefined) await charge(declaredBytes);
    }
    seen += bytes;
    // Bytes beyond the declared size (or all, when none was declared) are charged in steps.
    if (seen - charged >= UPLOAD_BYTE_CHARGE_STEP) await charge(seen - charged);
  };
}

/** The gate {@link badTokenBudget} puts around bearer authentication. */
export interface BadTokenBudget {
  /**
   * Before a token that is not already verified is checked: refuses with 429 (`rate_limited`,
   * Retry-After, RateLimit headers of the `bad_tokens` class) when the address has no failed
   * authentications left. Consumes nothing: it looks (`cost: 0`), and only when that shows the
   * budget spent asks when a unit is free again (a denied call).
   */
  admit(address: string | undefined, res: Response): Promise<void>;
  /** After a failed authentication: charges the address one unit. Never throws. */
  charge(address: string | undefined): Promise<void>;
}

/**
 * The per-address budget of **failed** bearer authentications (threat EXT-20): a signature
 * check costs ~140 µs, so a flood of bad tokens must not be free. Valid tokens never consume it;
 * an address that has spent it gets 429 for tokens this gateway has not verified yet, without a
 * signature check, while tokens it already verified (cached) still pass. Keys
 * `gw:bad-tokens:<sha256(address)>`. A store that does not answer applies the fail mode before
 * the check (`closed`: 503); a charge the store cannot take is counted and logged, and the 401
 * stands.
 */
export function badTokenBudget(deps: { limiter: RateLimiter; rule: RateLimitRule; failMode: 'open' | 'closed'; metrics: GatewayRateLimitMetrics; logger: Logger }): BadTokenBudget {
  const keyOf = (address: string | undefined) => limitKey('bad-tokens', address ?? 'unknown');
  const storeDown = (error: unknown, when: string) => {
    if (!isAppError(error) || error.code !== 'unavailable') throw error;
    deps.metrics.storeErrors.inc({ fail_mode: deps.failMode });
    deps.logger.warn({ fail_mode: deps.failMode, err: error.cause ?? error }, `rate limit store unavailable (bad tokens, ${when})`);
  };
  return {
    async admit(address, res) {
      const key = keyOf(address);
      let refusal;
      try {
        // A look (cost 0) consumes nothing and is always "allowed"; only `remaining` tells.
        if ((await deps.limiter.consume(key, { ...deps.rule, cost: 0 })).remaining >= 1) return;
        // Spent: a one-unit call is denied (consuming nothing) and says when a unit is free again.
        refusal = await deps.limiter.consume(key, deps.rule);
        if (refusal.allowed) {
          // A unit came free between the two calls: give it back, the failure (if any) is charged later.
          await deps.limiter.refund(key, deps.rule);
          return;
        }
      } catch (error) {
        storeDown(error, 'admit');
        if (deps.failMode === 'closed') throw new AppError('unavailable', { detail: 'Rate limits cannot be checked right now; try again shortly.', retryAfterSeconds: 1 });
        return;
      }
      res.setHeader('ratelimit-policy', `"bad_tokens";q=${deps.rule.limit};w=${Math.ceil(deps.rule.windowMs / 1000)}`);
      res.setHeader('ratelimit', `"bad_tokens";r=0;t=${Math.ceil(refusal.resetMs / 1000)}`);
      deps.metrics.limited.inc({ class: 'bad_tokens' });
      throw new AppError('rate_limited', {
        detail: 'Too many failed authentications from this address; slow down.',
        retryAfterSeconds: Math.max(1, Math.ceil(refusal.retryAfterMs / 1000)),
      });
    },
    async charge(address) {
      try {
        await deps.limiter.consume(keyOf(address), deps.rule);
      } catch (error) {
        storeDown(error, 'charge');
      }
    },
  };
}
