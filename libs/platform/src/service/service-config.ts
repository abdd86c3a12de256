import { join } from 'node:path';
import { z } from 'zod';
import { configValues, loadConfig } from '../config/load-config.js';
import { defaultPorts, GRPC_SERVICES, peerAddressKey, type GrpcServiceName, type ServiceName } from './service-directory.js';
import type { MtlsPaths } from '../grpc/mtls.js';

/** Settings every Coffer service has. Parsed once at start-up, then frozen. */
export interface ServiceConfig {
  /** Build version reported by health checks and traces (COFFER_VERSION). */
  readonly version: string;
  readonly grpc: { readonly host: string; readonly port: number };
  readonly ops: { readonly host: string; readonly port: number };
  readonly tls: Readonly<MtlsPaths>;
  readonly logLevel: string;
  readonly otlpTracesEndpoint: string | undefined;
  readonly shutdownGraceMs: number;
  /** Where each gRPC peer listens (host:port). */
  readonly peers: Readonly<Record<GrpcServiceName, string>>;
}

function peerShape() {
  return Object.fromEntries(
    GRPC_SERVICES.map((peer) => [peerAddressKey(peer), configValues.address().default(`127.0.0.1:${defaultPorts[peer].grpc}`)]),
  ) as Record<ReturnType<typeof peerAddressKey>, z.ZodDefault<z.ZodString>>;
}

/** The environment variables of a service's common settings, with their defaults. */
export function serviceConfigSchema(name: ServiceName) {
  return z.object({
    COFFER_VERSION: z.string().min(1).default('0.0.0-dev'),
    COFFER_GRPC_HOST: configValues.host().default('127.0.0.1'),
    COFFER_GRPC_PORT: configValues.port().default(defaultPorts[name].grpc),
    COFFER_OPS_HOST: configValues.host().default('127.0.0.1'),
    COFFER_OPS_PORT: configValues.port().default(defaultPorts[name].ops),
    COFFER_TLS_DIR: z.string().min(1).default('.coffer/certs'),
    COFFER_TLS_CA_FILE: z.string().min(1).optional(),
    COFFER_TLS_CERT_FILE: z.string().min(1).optional(),
    COFFER_TLS_KEY_FILE: z.string().min(1).optional(),
    COFFER_LOG_LEVEL: configValues.logLevel().default('info'),
    COFFER_OTLP_TRACES_ENDPOINT: configValues.url().optional(),
    COFFER_SHUTDOWN_GRACE_MS: configValues.positiveInt().default(10_000),
    ...peerShape(),
  });
}

/** Loads a service's common settings from the environment (and COFFER_CONFIG_FILE). */
export function loadServiceConfig(name: ServiceName, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const raw = loadConfig(serviceConfigSchema(name), env);
  const tlsDir = raw.COFFER_TLS_DIR;
  return Object.freeze({
    version: raw.COFFER_VERSION,
    grpc: Object.freeze({ host: raw.COFFER_GRPC_HOST, port: raw.COFFER_GRPC_PORT }),
    ops: Object.freeze({ host: raw.COFFER_OPS_HOST, port: raw.COFFER_OPS_PORT }),
    tls: Object.freeze({
      caFile: raw.COFFER_TLS_CA_FILE ?? join(tlsDir, 'ca.crt'),
      certFile: raw.COFFER_TLS_CERT_FILE ?? join(tlsDir, `${name}.crt`),
      keyFile: raw.COFFER_TLS_KEY_FILE ?? join(tlsDir, `${name}.key`),
    }),
    logLevel: raw.COFFER_LOG_LEVEL,
    otlpTracesEndpoint: raw.COFFER_OTLP_TRACES_ENDPOINT,
    shutdownGraceMs: raw.COFFER_SHUTDOWN_GRACE_MS,
    peers: Object.freeze(Object.fromEntries(GRPC_SERVICES.map((peer) => [peer, raw[peerAddressKey(peer)]])) as Record<GrpcServiceName, string>),
  });
}
