import { z } from 'zod';
import { DEFAULT_TOKEN_AUDIENCE, DEFAULT_TOKEN_ISSUER } from '@coffer/access-tokens';
import type { AuthenticatorSettings } from './auth/access-token-authenticator.js';
import type { RateLimitPolicy } from './http/rate-limiting.js';
import { DEFAULT_MAX_HEADER_COUNT } from './http/client-errors.js';
import type { RateLimitRule } from '@coffer/rate-limit';
import { configValues, DEFAULT_GATEWAY_HTTP_PORT, loadConfig, loadServiceConfig, type ServiceConfig } from '@coffer/platform';

/** Settings of the gateway beyond those every service has. */
export interface GatewayConfig extends ServiceConfig {
  readonly http: { readonly host: string; readonly port: number };
  /** Deadline of each service's health check behind GET /v1/health. */
  readonly healthTimeoutMs: number;
  /** Deadline of calls to internal services on behalf of a request. */
  readonly upstreamDeadlineMs: number;
  readonly tokens: Readonly<AuthenticatorSettings>;
  /** `redis://…` shares limits between gateway instances; `memory://` is per process (dev). */
  readonly rateLimitUrl: string;
  readonly rateLimits: Readonly<RateLimitPolicy>;
  /** Idempotency-Key (docs/adr/0020-idempotency-keys.md). */
  readonly idempotency: {
    /** `redis://…` shares keys between gateway instances; `memory://` is per process. Default: the rate limiter's URL. */
    readonly url: string;
    /** How long an answer is replayed (COFFER_IDEMPOTENCY_TTL_S, default 24 h). */
    readonly ttlMs: number;
  };
  /** Bytes each user may upload per window (COFFER_RATE_LIMIT_UPLOAD_BYTES per COFFER_RATE_LIMIT_WINDOW_S). */
  readonly uploadByteLimit: Readonly<RateLimitRule>;
  readonly edge: {
    readonly corsOrigins: readonly string[];
    readonly hstsMaxAgeSeconds: number;
    readonly maxHeaderBytes: number;
    /** More request header lines than this: 431 headers_too_large (COFFER_MAX_HEADER_COUNT). */
    readonly maxHeaderCount: number;
    /** How often Node checks the headers and request timeouts: they fire up to this late (COFFER_CONNECTIONS_CHECK_INTERVAL_MS). */
    readonly connectionsCheckIntervalMs: number;
    /** Longest time a whole request may take to arrive: bounds uploads (COFFER_UPLOAD_TIMEOUT_MS). */
    readonly requestTimeoutMs: number;
    readonly headersTimeoutMs: number;
    /** A connection that sends or takes no byte for this long is closed (slow clients, COFFER_IDLE_TIMEOUT_MS). */
    readonly idleTimeoutMs: number;
    /** Express `trust proxy`: false (req.ip is the socket peer), a hop count, or addresses/CIDRs of trusted proxies. */
    readonly trustProxy: boolean | number | string;
  };
}

const gatewaySchema = z.object({
  COFFER_HTTP_HOST: configValues.host().default('127.0.0.1'),
  COFFER_HTTP_PORT: configValues.port().default(DEFAULT_GATEWAY_HTTP_PORT),
  COFFER_HEALTH_TIMEOUT_MS: configValues.positiveInt().default(2_000),
  COFFER_UPSTREAM_DEADLINE_MS: configValues.positiveInt().default(10_000),
  COFFER_TOKEN_ISSUER: z.string().min(1).default(DEFAULT_TOKEN_ISSUER),
  COFFER_TOKEN_AUDIENCE: z.string().min(1).default(DEFAULT_TOKEN_AUDIENCE),
  COFFER_TOKEN_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(300).default(30),
  COFFER_JWKS_REFETCH_COOLDOWN_MS: configValues.positiveInt().default(30_000),
  // Bounds how late a logout takes effect at this gateway.
  COFFER_SESSION_CHECK_CACHE_MS: z.coerce.number().int().min(0).max(5_000).default(1_000),
  COFFER_VERIFIED_TOKEN_CACHE_SIZE: configValues.positiveInt().default(10_000),
  COFFER_RATE_LIMIT_URL: z.string().min(1).default('memory://'),
  // Unset: the same store as the rate limiter (COFFER_RATE_LIMIT_URL).
  COFFER_IDEMPOTENCY_URL: z.string().min(1).optional(),
  COFFER_IDEMPOTENCY_TTL_S: configValues.positiveInt().default(86_400),
  COFFER_RATE_LIMIT_FAIL_MODE: z.enum(['open', 'closed']).default('open'),
  COFFER_RATE_LIMIT_WINDOW_S: configValues.positiveInt().default(60),
  COFFER_RATE_LIMIT_CREDENTIALS: configValues.positiveInt().default(10),
  COFFER_RATE_LIMIT_ANONYMOUS: configValues.positiveInt().default(120),
  COFFER_RATE_LIMIT_USER: configValues.positiveInt().default(600),
  // Failed bearer authentications per window per client address (each a signature check).
  COFFER_RATE_LIMIT_BAD_TOKENS: configValues.positiveInt().default(60),
  // Comma-separated browser origins allowed by CORS, e.g. https://app.example.com (none by default).
  COFFER_CORS_ORIGINS: z.string().default(''),
  // Set when clients reach the gateway over TLS (directly or through a proxy); 0 sends no HSTS.
  COFFER_HSTS_MAX_AGE_S: z.coerce.number().int().min(0).default(0),
  COFFER_MAX_HEADER_BYTES: configValues.positiveInt().default(16_384),
  COFFER_MAX_HEADER_COUNT: configValues.positiveInt().max(2_000).default(DEFAULT_MAX_HEADER_COUNT),
  COFFER_CONNECTIONS_CHECK_INTERVAL_MS: configValues.positiveInt().default(30_000),
  COFFER_UPLOAD_TIMEOUT_MS: configValues.positiveInt().default(3_600_000),
  COFFER_IDLE_TIMEOUT_MS: configValues.positiveInt().default(30_000),
  COFFER_RATE_LIMIT_UPLOAD_BYTES: configValues.positiveInt().default(20 * 1024 ** 3),
  COFFER_HEADERS_TIMEOUT_MS: configValues.positiveInt().default(10_000),
  // Behind a reverse proxy: its address(es)/CIDRs (e.g. 10.0.0.0/8) or the number of hops, so
  // per-address rate limits see the client, not the proxy. Default: trust no one.
  COFFER_TRUST_PROXY: z.string().default('false'),
});

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const own = loadConfig(gatewaySchema, env);
  return Object.freeze({
    ...loadServiceConfig('gateway', env),
    http: Object.freeze({ host: own.COFFER_HTTP_HOST, port: own.COFFER_HTTP_PORT }),
    healthTimeoutMs: own.COFFER_HEALTH_TIMEOUT_MS,
    upstreamDeadlineMs: own.COFFER_UPSTREAM_DEADLINE_MS,
    tokens: Object.freeze({
      issuer: own.COFFER_TOKEN_ISSUER,
      audience: own.COFFER_TOKEN_AUDIENCE,
      clockToleranceSeconds: own.COFFER_TOKEN_CLOCK_TOLERANCE_S,
      jwksRefetchCooldownMs: own.COFFER_JWKS_REFETCH_COOLDOWN_MS,
      sessionCheckCacheMs: own.COFFER_SESSION_CHECK_CACHE_MS,
      verifiedTokenCacheSize: own.COFFER_VERIFIED_TOKEN_CACHE_SIZE,
    }),
    edge: Object.freeze({
      corsOrigins: Object.freeze(own.COFFER_CORS_ORIGINS.split(',').map((origin) => origin.trim()).filter(Boolean)),
      hstsMaxAgeSeconds: own.COFFER_HSTS_MAX_AGE_S,
      maxHeaderBytes: own.COFFER_MAX_HEADER_BYTES,
      maxHeaderCount: own.COFFER_MAX_HEADER_COUNT,
      connectionsCheckIntervalMs: own.COFFER_CONNECTIONS_CHECK_INTERVAL_MS,
      requestTimeoutMs: own.COFFER_UPLOAD_TIMEOUT_MS,
      idleTimeoutMs: own.COFFER_IDLE_TIMEOUT_MS,
      headersTimeoutMs: own.COFFER_HEADERS_TIMEOUT_MS,
      trustProxy: parseTrustProxy(own.COFFER_TRUST_PROXY),
    }),
    rateLimitUrl: own.COFFER_RATE_LIMIT_URL,
    idempotency: Object.freeze({ url: own.COFFER_IDEMPOTENCY_URL ?? own.COFFER_RATE_LIMIT_URL, ttlMs: own.COFFER_IDEMPOTENCY_TTL_S * 1000 }),
    uploadByteLimit: Object.freeze({ limit: own.COFFER_RATE_LIMIT_UPLOAD_BYTES, windowMs: own.COFFER_RATE_LIMIT_WINDOW_S * 1000 }),
    rateLimits: Object.freeze({
      failMode: own.COFFER_RATE_LIMIT_FAIL_MODE,
      badTokens: Object.freeze({ limit: own.COFFER_RATE_LIMIT_BAD_TOKENS, windowMs: own.COFFER_RATE_LIMIT_WINDOW_S * 1000 }),
      rules: Object.freeze({
        credentials: { limit: own.COFFER_RATE_LIMIT_CREDENTIALS, windowMs: own.COFFER_RATE_LIMIT_WINDOW_S * 1000 },
        anonymous: { limit: own.COFFER_RATE_LIMIT_ANONYMOUS, windowMs: own.COFFER_RATE_LIMIT_WINDOW_S * 1000 },
        user: { limit: own.COFFER_RATE_LIMIT_USER, windowMs: own.COFFER_RATE_LIMIT_WINDOW_S * 1000 },
      }),
    }),
  });
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'false' || value === '') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}
