import { z } from 'zod';
import { configValues, DEFAULT_GATEWAY_HTTP_PORT, loadConfig, loadServiceConfig, type ServiceConfig } from '@coffer/platform';

/** Settings of the gateway beyond those every service has. */
export interface GatewayConfig extends ServiceConfig {
  readonly http: { readonly host: string; readonly port: number };
  /** Deadline of each service's health check behind GET /v1/health. */
  readonly healthTimeoutMs: number;
}

const gatewaySchema = z.object({
  COFFER_HTTP_HOST: configValues.host().default('127.0.0.1'),
  COFFER_HTTP_PORT: configValues.port().default(DEFAULT_GATEWAY_HTTP_PORT),
  COFFER_HEALTH_TIMEOUT_MS: configValues.positiveInt().default(2_000),
});

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const own = loadConfig(gatewaySchema, env);
  return Object.freeze({
    ...loadServiceConfig('gateway', env),
    http: Object.freeze({ host: own.COFFER_HTTP_HOST, port: own.COFFER_HTTP_PORT }),
    healthTimeoutMs: own.COFFER_HEALTH_TIMEOUT_MS,
  });
}
