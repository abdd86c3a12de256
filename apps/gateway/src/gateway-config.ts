import { z } from 'zod';
import { DEFAULT_TOKEN_AUDIENCE, DEFAULT_TOKEN_ISSUER } from '@coffer/access-tokens';
import type { AuthenticatorSettings } from './auth/access-token-authenticator.js';
import { configValues, DEFAULT_GATEWAY_HTTP_PORT, loadConfig, loadServiceConfig, type ServiceConfig } from '@coffer/platform';

/** Settings of the gateway beyond those every service has. */
export interface GatewayConfig extends ServiceConfig {
  readonly http: { readonly host: string; readonly port: number };
  /** Deadline of each service's health check behind GET /v1/health. */
  readonly healthTimeoutMs: number;
  /** Deadline of calls to internal services on behalf of a request. */
  readonly upstreamDeadlineMs: number;
  readonly tokens: Readonly<AuthenticatorSettings>;
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
  });
}
