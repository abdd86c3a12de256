/**
 * @coffer/platform: what every Coffer service is built on. One entry point; modules inside are
 * small and single-purpose (see the folder names).
 */
export { AppError, errors, isAppError, type AppErrorOptions, type ErrorCode } from './errors/app-error.js';
export { errorCatalog, fromGrpcError, toAppError, toGrpcStatus, toProblem, type ProblemDocument } from './errors/error-mapping.js';
export { ConfigError, configValues, loadConfig } from './config/load-config.js';
export { createLogger, isSensitiveLogKey, redactSecrets, type Logger, type LoggerOptions } from './logging/logger.js';
export { currentRequestContext, runWithRequestContext, sanitizeRequestId, type RequestContext } from './logging/request-context.js';
export { createMetricsRegistry, latencyBuckets } from './metrics/metrics-registry.js';
export { GrpcClientMetrics, GrpcServerMetrics, grpcMethodLabels } from './metrics/grpc-metrics.js';
export { HttpServerMetrics } from './metrics/http-metrics.js';
export { initTracing, type Tracing, type TracingOptions } from './tracing/tracing.js';
export { endSpanAfter, markSpanFailed } from './tracing/span-outcome.js';
export { httpHeadersGetter, metadataGetter, metadataSetter } from './tracing/carriers.js';
export { platformClientInterceptor, type ClientInterceptorDeps } from './grpc/client-interceptor.js';
export { platformServerInterceptor, type ServerInterceptorDeps } from './grpc/server-interceptor.js';
export { startGrpcServer, type GrpcServerOptions, type RunningGrpcServer } from './grpc/grpc-server.js';
export { runInCallContext, unaryHandler, type ServiceBinding } from './grpc/handlers.js';
export { notImplementedService } from './grpc/not-implemented-service.js';
export { unaryCall, type UnaryMethod } from './grpc/unary-call.js';
export { loadMtlsMaterial, mtlsChannel, mtlsServerCredentials, type MtlsChannel, type MtlsMaterial, type MtlsPaths } from './grpc/mtls.js';
export { HEALTH_CHECK_METHOD, isPeerAllowed, type PeerAllowlist } from './grpc/peer-allowlist.js';
export { coalesceChunks, STREAM_MESSAGE_BYTES } from './grpc/coalesce-chunks.js';
export { createServiceClient, type GrpcClientConstructor, type ServiceClientOptions } from './grpc/service-client.js';
export { healthServiceBinding } from './health/health-service.js';
export { Readiness, type ReadinessCheck, type ReadinessReport } from './health/readiness.js';
export { startOpsServer, type OpsServerOptions, type RunningOpsServer } from './http/ops-server.js';
export { GracefulShutdown, type ShutdownStep } from './lifecycle/graceful-shutdown.js';
export { PeriodicJob, type PeriodicJobOptions } from './lifecycle/periodic-job.js';
export { loadServiceConfig, serviceConfigSchema, type ServiceConfig } from './service/service-config.js';
export {
  ALL_SERVICES,
  DEFAULT_GATEWAY_HTTP_PORT,
  defaultPorts,
  GRPC_SERVICES,
  peerAddressKey,
  type GrpcServiceName,
  type ServiceName,
} from './service/service-directory.js';
export { runMain } from './service/run-main.js';
export { startServiceRuntime, type PlatformDeps, type ServiceRuntime, type ServiceRuntimeOptions } from './service/service-runtime.js';
