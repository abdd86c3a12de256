import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { auditV1, authV1, fileV1, healthV1, policyV1, userV1, webhookV1 } from '@coffer/contracts';
import { GRPC_SERVICES, HttpServerMetrics, runMain, startServiceRuntime, type GrpcServiceName } from '@coffer/platform';
import { AccessTokenAuthenticator } from './auth/access-token-authenticator.js';
import { GrpcJwksSource, GrpcSessionChecker } from './auth/auth-service-adapters.js';
import { loadGatewayConfig } from './gateway-config.js';
import { GrpcPlatformHealthChecker } from './health/platform-health.js';
import { createGatewayApp } from './http/gateway-app.js';
import { answerClientError } from './http/client-errors.js';
import { GatewayRateLimitMetrics, uploadByteBudget } from './http/rate-limiting.js';
import { createRateLimiterFromUrl } from '@coffer/rate-limit';
import { gatewayHandlers } from './gateway-handlers.js';
import { gatewayPeerAllowlist } from './peer-allowlist.js';
import { createIdempotencyStoreFromUrl } from './idempotency/create-idempotency-store-from-url.js';
import { DEFAULT_IDEMPOTENCY_LEASE_MS } from './idempotency/idempotency-keys.js';

runMain('gateway', async () => {
  const config = loadGatewayConfig();
  const runtime = await startServiceRuntime({ name: 'gateway', config, allowlist: gatewayPeerAllowlist });

  const healthClients = new Map<GrpcServiceName, healthV1.HealthServiceClient>(
    GRPC_SERVICES.map((name) => [name, runtime.client(healthV1.HealthServiceClient, name)]),
  );
  const auth = runtime.client(authV1.AuthServiceClient, 'auth');
  const authenticator = new AccessTokenAuthenticator(
    new GrpcJwksSource(auth, config.upstreamDeadlineMs),
    new GrpcSessionChecker(auth, config.upstreamDeadlineMs),
    config.tokens,
  );
  const limiter = createRateLimiterFromUrl(config.rateLimitUrl);
  runtime.addCloseStep({ name: 'rate-limiter', run: () => limiter.close() });
  const rateLimitMetrics = new GatewayRateLimitMetrics(runtime.registry);
  const idempotencyStore = createIdempotencyStoreFromUrl(config.idempotency.url);
  runtime.addCloseStep({ name: 'idempotency-store', run: () => idempotencyStore.close() });
  const app = createGatewayApp({
    authenticator,
    rateLimits: { limiter, policy: config.rateLimits, metrics: rateLimitMetrics },
    idempotency: {
      store: idempotencyStore,
      ttlMs: config.idempotency.ttlMs,
      leaseMs: DEFAULT_IDEMPOTENCY_LEASE_MS,
      uploadTimeoutMs: config.edge.requestTimeoutMs,
    },
    logger: runtime.logger,
    tracing: runtime.tracing,
    httpMetrics: new HttpServerMetrics(runtime.registry),
    handlers: gatewayHandlers({
      health: new GrpcPlatformHealthChecker(healthClients, config.healthTimeoutMs),
      auth,
      users: runtime.client(userV1.UserServiceClient, 'user'),
      files: runtime.client(fileV1.FileServiceClient, 'file'),
      audit: runtime.client(auditV1.AuditServiceClient, 'audit'),
      policy: runtime.client(policyV1.PolicyServiceClient, 'policy'),
      webhooks: runtime.client(webhookV1.WebhookServiceClient, 'webhook'),
      uploadBudget: (userId, declaredBytes) =>
        uploadByteBudget(userId, declaredBytes, { limiter, rule: config.uploadByteLimit, failMode: config.rateLimits.failMode, metrics: rateLimitMetrics, logger: runtime.logger }),
      logger: runtime.logger,
      forgetSession: (sessionId) => authenticator.forgetSession(sessionId),
      deadlineMs: config.upstreamDeadlineMs,
    }),
    edge: config.edge,
  });

  // Header size and time limits: headers must arrive within headersTimeout, a whole request
  // (an upload included) within requestTimeout, and a connection that moves no byte for
  // idleTimeout is closed — slow clients cannot hold connections open forever.
  // Node checks those two timeouts every connectionsCheckingInterval; requests it refuses get
  // problem+json from answerClientError, and more than maxHeaderCount header lines a 431.
  const server = createServer(
    {
      maxHeaderSize: config.edge.maxHeaderBytes,
      requestTimeout: config.edge.requestTimeoutMs,
      headersTimeout: config.edge.headersTimeoutMs,
      connectionsCheckingInterval: config.edge.connectionsCheckIntervalMs,
    },
    app,
  );
  server.on('clientError', answerClientError);
  // Node would keep only the first 2000 header lines and silently drop the rest (a request with
  // 1000 headers then loses its Host and gets a bare 400). The byte limit bounds the headers;
  // headerCountLimit refuses too many of them with a 431 problem.
  server.maxHeadersCount = 0;
  server.setTimeout(config.edge.idleTimeoutMs, (socket) => socket.destroy());
  server.listen(config.http.port, config.http.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  runtime.addDrainStep({
    name: 'http-server',
    run: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  });
  runtime.logger.info({ http_port: (server.address() as AddressInfo).port }, 'gateway listening');
  runtime.installSignalHandlers();
});
