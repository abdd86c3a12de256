import type { Client, Interceptor } from '@grpc/grpc-js';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { DestinationStream, Logger } from 'pino';
import type { Registry } from 'prom-client';
import { platformClientInterceptor } from '../grpc/client-interceptor.js';
import { startGrpcServer, type RunningGrpcServer } from '../grpc/grpc-server.js';
import type { ServiceBinding } from '../grpc/handlers.js';
import { loadMtlsMaterial, mtlsServerCredentials, type MtlsMaterial } from '../grpc/mtls.js';
import type { PeerAllowlist } from '../grpc/peer-allowlist.js';
import { platformServerInterceptor } from '../grpc/server-interceptor.js';
import { createServiceClient, type GrpcClientConstructor } from '../grpc/service-client.js';
import { healthServiceBinding } from '../health/health-service.js';
import { Readiness } from '../health/readiness.js';
import { startOpsServer, type RunningOpsServer } from '../http/ops-server.js';
import { GracefulShutdown, type ShutdownStep } from '../lifecycle/graceful-shutdown.js';
import { createLogger } from '../logging/logger.js';
import { GrpcClientMetrics, GrpcServerMetrics } from '../metrics/grpc-metrics.js';
import { createMetricsRegistry } from '../metrics/metrics-registry.js';
import { initTracing, type Tracing } from '../tracing/tracing.js';
import type { ServiceConfig } from './service-config.js';
import type { GrpcServiceName, ServiceName } from './service-directory.js';

/** What a service's own code receives from the platform to build its handlers. */
export interface PlatformDeps {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly readiness: Readiness;
  readonly tracing: Tracing;
  /** A client to another Coffer service over mTLS (traced, measured). */
  client<C extends Client>(Constructor: GrpcClientConstructor<C>, target: GrpcServiceName): C;
}

export interface ServiceRuntimeOptions {
  name: ServiceName;
  config: ServiceConfig;
  /** Who may call this service's RPCs; ignored when `grpcServices` is undefined (no gRPC server). */
  allowlist: PeerAllowlist;
  /** This service's gRPC services; HealthService is added by the platform. Omit for no gRPC server. */
  grpcServices?: (deps: PlatformDeps) => ServiceBinding[] | Promise<ServiceBinding[]>;
  spanProcessors?: SpanProcessor[];
  logDestination?: DestinationStream;
}

export interface ServiceRuntime extends PlatformDeps {
  readonly grpcPort: number | undefined;
  readonly opsPort: number;
  /** Registers a step that stops accepting and drains work (runs before the gRPC server drains). */
  addDrainStep(step: ShutdownStep): void;
  /** Registers a step that closes a connection (runs after draining, before telemetry flush). */
  addCloseStep(step: ShutdownStep): void;
  shutdown(reason: string): Promise<void>;
  installSignalHandlers(): void;
}

/**
 * Starts what every Coffer service has: JSON logs, metrics registry with gRPC RED metrics,
 * tracing, mTLS material, a gRPC server with the peer allowlist and HealthService, the ops
 * HTTP server (/healthz, /readyz, /metrics) and graceful shutdown. Nothing here runs at import.
 */
export async function startServiceRuntime(options: ServiceRuntimeOptions): Promise<ServiceRuntime> {
  const { name, config } = options;
  const version = config.version;
  const logger = createLogger({ service: name, level: config.logLevel, ...(options.logDestination ? { destination: options.logDestination } : {}) });
  const registry = createMetricsRegistry(name);
  const readiness = new Readiness();
  const tracing = initTracing({ service: name, version, otlpEndpoint: config.otlpTracesEndpoint, ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}) });
  const mtls: MtlsMaterial = loadMtlsMaterial(config.tls);
  const clientMetrics = new GrpcClientMetrics(registry);
  const clientInterceptors: Interceptor[] = [platformClientInterceptor({ metrics: clientMetrics, tracer: tracing.tracer, propagator: tracing.propagator })];
  const clients: Client[] = [];

  const deps: PlatformDeps = {
    logger,
    registry,
    readiness,
    tracing,
    client: (Constructor, target) => {
      const client = createServiceClient(Constructor, { address: config.peers[target], target, mtls, interceptors: clientInterceptors });
      clients.push(client);
      return client;
    },
  };

  let grpcServer: RunningGrpcServer | undefined;
  if (options.grpcServices) {
    grpcServer = await startGrpcServer({
      host: config.grpc.host,
      port: config.grpc.port,
      credentials: mtlsServerCredentials(mtls),
      interceptors: [
        platformServerInterceptor({
          allowlist: options.allowlist,
          metrics: new GrpcServerMetrics(registry),
          tracer: tracing.tracer,
          propagator: tracing.propagator,
          logger,
        }),
      ],
      services: [healthServiceBinding(name, version, readiness, logger), ...(await options.grpcServices(deps))],
    });
  }
  const ops: RunningOpsServer = await startOpsServer({ host: config.ops.host, port: config.ops.port, registry, readiness });

  const drainSteps: ShutdownStep[] = [];
  const closeSteps: ShutdownStep[] = [];
  const shutdown = new GracefulShutdown(
    logger,
    [
      { name: 'readiness', run: () => Promise.resolve(readiness.markShuttingDown()) },
      { name: 'drain', run: async () => { for (const step of drainSteps) await step.run(); } },
      { name: 'grpc-server', run: () => grpcServer?.shutdown(config.shutdownGraceMs) ?? Promise.resolve() },
      { name: 'close', run: async () => { for (const step of closeSteps) await step.run(); } },
      { name: 'grpc-clients', run: () => Promise.resolve(clients.forEach((client) => client.close())) },
      { name: 'ops-server', run: () => ops.close() },
      { name: 'tracing', run: () => tracing.shutdown() },
    ],
    config.shutdownGraceMs + 5_000,
  );

  logger.info({ grpc_port: grpcServer?.port, ops_port: ops.port, version }, 'service started');
  return {
    ...deps,
    grpcPort: grpcServer?.port,
    opsPort: ops.port,
    addDrainStep: (step) => drainSteps.push(step),
    addCloseStep: (step) => closeSteps.push(step),
    shutdown: (reason) => shutdown.run(reason),
    installSignalHandlers: () => shutdown.installSignalHandlers(),
  };
}
