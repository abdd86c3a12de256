import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { credentials, Server, ServerCredentials, status as GrpcStatus, type handleUnaryCall } from '@grpc/grpc-js';
import { webhookV1 } from '@coffer/contracts';
import { AppError, createLogger, createMetricsRegistry, errors, HttpServerMetrics, initTracing, notImplementedService, unaryHandler } from '@coffer/platform';
import { MemoryRateLimiter } from '@coffer/rate-limit';
import type { AuthenticatedCaller } from '../auth/access-token-authenticator.js';
import { createGatewayApp } from '../http/gateway-app.js';
import { GatewayRateLimitMetrics } from '../http/rate-limiting.js';
import { webhookHandlers } from './webhook-handlers.js';
import { MemoryIdempotencyStore } from '../idempotency/memory-idempotency-store.js';

/** Request and response of each WebhookService RPC the gateway calls. */
interface WebhookRpcs {
  createSubscription: [webhookV1.CreateSubscriptionRequest, webhookV1.CreateSubscriptionResponse];
  listSubscriptions: [webhookV1.ListSubscriptionsRequest, webhookV1.ListSubscriptionsResponse];
  getSubscription: [webhookV1.GetSubscriptionRequest, webhookV1.GetSubscriptionResponse];
  updateSubscription: [webhookV1.UpdateSubscriptionRequest, webhookV1.UpdateSubscriptionResponse];
  deleteSubscription: [webhookV1.DeleteSubscriptionRequest, webhookV1.DeleteSubscriptionResponse];
  rotateSecret: [webhookV1.RotateSecretRequest, webhookV1.RotateSecretResponse];
  sendTestPing: [webhookV1.SendTestPingRequest, webhookV1.SendTestPingResponse];
  listDeliveries: [webhookV1.ListDeliveriesRequest, webhookV1.ListDeliveriesResponse];
  replayDeliveries: [webhookV1.ReplayDeliveriesRequest, webhookV1.ReplayDeliveriesResponse];
}
export type WebhookRpc = keyof WebhookRpcs;

type Answer<K extends WebhookRpc> = (request: WebhookRpcs[K][0]) => WebhookRpcs[K][1];

/**
 * A WebhookService on a real in-process grpc-js server: it records what the gateway sent and
 * answers what the test set. Errors thrown by an answer travel as a Coffer service sends them
 * (status plus the stable code in metadata, through the platform's `unaryHandler`);
 * `failWithStatus` sends a bare gRPC status, as a non-Coffer peer or the transport would.
 */
export class FakeWebhookService {
  readonly received: { rpc: WebhookRpc; request: unknown }[] = [];
  private readonly answers = new Map<WebhookRpc, (request: never) => unknown>();
  private readonly bareStatuses = new Map<WebhookRpc, GrpcStatus>();
  private readonly logger = createLogger({ service: 'webhook-fake', level: 'silent' });

  /** Forgets the requests received and the answers set. */
  reset(): void {
    this.received.length = 0;
    this.answers.clear();
    this.bareStatuses.clear();
  }

  answer<K extends WebhookRpc>(rpc: K, answer: Answer<K>): void {
    this.answers.set(rpc, answer as (request: never) => unknown);
  }

  fail(rpc: WebhookRpc, error: AppError | Error): void {
    this.answers.set(rpc, () => {
      throw error;
    });
  }

  failWithStatus(rpc: WebhookRpc, code: GrpcStatus): void {
    this.bareStatuses.set(rpc, code);
  }

  /** The requests one RPC received, in order. */
  requests<K extends WebhookRpc>(rpc: K): WebhookRpcs[K][0][] {
    return this.received.filter((call) => call.rpc === rpc).map((call) => call.request as WebhookRpcs[K][0]);
  }

  implementation(): webhookV1.WebhookServiceServer {
    const rpc = <K extends WebhookRpc>(name: K): handleUnaryCall<WebhookRpcs[K][0], WebhookRpcs[K][1]> => {
      const handle = unaryHandler<WebhookRpcs[K][0], WebhookRpcs[K][1]>(this.logger, (request) => {
        const answer = this.answers.get(name) as Answer<K> | undefined;
        if (!answer) return Promise.reject(new AppError('not_implemented', { detail: `${name}: no answer set by the test.` }));
        try {
          return Promise.resolve(answer(request));
        } catch (error) {
          return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      return (call, callback) => {
        this.received.push({ rpc: name, request: call.request });
        const code = this.bareStatuses.get(name);
        if (code !== undefined) callback({ code, details: 'bare status from the fake' }, null);
        else handle(call, callback);
      };
    };
    return {
      createSubscription: rpc('createSubscription'),
      listSubscriptions: rpc('listSubscriptions'),
      getSubscription: rpc('getSubscription'),
      updateSubscription: rpc('updateSubscription'),
      deleteSubscription: rpc('deleteSubscription'),
      rotateSecret: rpc('rotateSecret'),
      sendTestPing: rpc('sendTestPing'),
      listDeliveries: rpc('listDeliveries'),
      replayDeliveries: rpc('replayDeliveries'),
      publishEvents: (_call, callback) => callback({ code: GrpcStatus.UNIMPLEMENTED, details: 'the gateway never calls PublishEvents' }, null),
    };
  }
}

/** `Bearer token-<userId>` signs in as that user (token verification is tested in auth/). */
const authenticator = {
  authenticate: (header: string | undefined): Promise<AuthenticatedCaller> => {
    const userId = /^Bearer token-(.+)$/.exec(header ?? '')?.[1];
    return userId
      ? Promise.resolve({ userId, sessionId: `s-${userId}`, admin: false, tokenExpiresAt: 0 })
      : Promise.reject(errors.unauthenticated('The access token is invalid or expired.'));
  },
};

export interface WebhookGateway {
  /** Base URL of the gateway app. */
  base: string;
  service: FakeWebhookService;
  /** Calls the gateway as `userId` (no Authorization header when `userId` is undefined). */
  request(method: string, path: string, options?: { userId?: string | undefined; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  close(): Promise<void>;
}

/** The gateway app with the webhook handlers, talking gRPC to a FakeWebhookService. */
export async function startWebhookGateway(): Promise<WebhookGateway> {
  const service = new FakeWebhookService();
  const grpcServer = new Server();
  const binding = notImplementedService(webhookV1.WebhookServiceService, service.implementation());
  grpcServer.addService(binding.definition, binding.implementation);
  const port = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  const client = new webhookV1.WebhookServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());

  const registry = createMetricsRegistry('gateway');
  const app = createGatewayApp({
    logger: createLogger({ service: 'gateway', level: 'silent' }),
    tracing: initTracing({ service: 'gateway', version: 'test' }),
    httpMetrics: new HttpServerMetrics(registry),
    idempotency: { store: new MemoryIdempotencyStore(), ttlMs: 86_400_000, leaseMs: 60_000, uploadTimeoutMs: 60_000 },
    handlers: webhookHandlers({ webhooks: client, deadlineMs: 5_000 }),
    authenticator,
    rateLimits: {
      limiter: new MemoryRateLimiter(),
      policy: { failMode: 'open', rules: { credentials: { limit: 1000, windowMs: 60_000 }, anonymous: { limit: 1000, windowMs: 60_000 }, user: { limit: 1000, windowMs: 60_000 } } },
      metrics: new GatewayRateLimitMetrics(registry),
    },
  });
  const http: HttpServer = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => http.once('listening', resolve));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  return {
    base,
    service,
    request: (method, path, options = {}) => {
      const headers: Record<string, string> = { ...options.headers };
      const userId = 'userId' in options ? options.userId : 'u1';
      if (userId !== undefined) headers['authorization'] = `Bearer token-${userId}`;
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      return fetch(`${base}${path}`, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
    },
    close: async () => {
      await new Promise<void>((resolve) => http.close(() => resolve()));
      client.close();
      await new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve()));
    },
  };
}
