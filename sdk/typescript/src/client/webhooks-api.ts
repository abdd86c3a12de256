import { randomUUID } from 'node:crypto';
import type { HttpTransport } from './http-transport.js';
import { paginate } from './paginate.js';
import type {
  CreatedWebhook,
  CreateWebhookRequest,
  ListWebhookDeliveriesQuery,
  QueuedDelivery,
  ReplayedDeliveries,
  ReplayWebhookDeliveriesRequest,
  RotatedWebhookSecret,
  RotateWebhookSecretRequest,
  UpdateWebhookRequest,
  Webhook,
  WebhookDelivery,
  WebhookDeliveryPage,
} from './schemas.js';

/** Webhook subscriptions and their deliveries. Verify what they deliver with `WebhookVerifier`. */
export class WebhooksApi {
  /** @internal */
  constructor(private readonly transport: HttpTransport) {}

  /** Subscribes an endpoint; the answer holds the signing secret, shown once. */
  create(body: CreateWebhookRequest): Promise<CreatedWebhook> {
    return this.transport.json<CreatedWebhook>({ method: 'POST', path: '/v1/webhooks', json: body });
  }

  /** The caller's subscriptions. */
  async list(): Promise<Webhook[]> {
    return (await this.transport.json<{ webhooks: Webhook[] }>({ method: 'GET', path: '/v1/webhooks' })).webhooks;
  }

  /** One subscription. */
  get(webhookId: string): Promise<Webhook> {
    return this.transport.json<Webhook>({ method: 'GET', path: webhookPath(webhookId) });
  }

  /** Changes the URL, event types, description, or enables/disables it. */
  update(webhookId: string, body: UpdateWebhookRequest): Promise<Webhook> {
    return this.transport.json<Webhook>({ method: 'PATCH', path: webhookPath(webhookId), json: body });
  }

  /** Removes a subscription and its pending deliveries. */
  async delete(webhookId: string): Promise<void> {
    await this.transport.send({ method: 'DELETE', path: webhookPath(webhookId) });
  }

  /** Issues a new signing secret (shown once); the previous one keeps signing for `overlapSeconds`. */
  rotateSecret(webhookId: string, body: RotateWebhookSecretRequest = {}): Promise<RotatedWebhookSecret> {
    return this.transport.json<RotatedWebhookSecret>({ method: 'POST', path: `${webhookPath(webhookId)}/secret`, json: body });
  }

  /** Queues a `webhook.ping` to the endpoint. Retried safely with an Idempotency-Key (default a random UUID). */
  ping(webhookId: string, options: { idempotencyKey?: string } = {}): Promise<QueuedDelivery> {
    return this.transport.json<QueuedDelivery>({ method: 'POST', path: `${webhookPath(webhookId)}/ping`, idempotencyKey: options.idempotencyKey ?? randomUUID() });
  }

  /** A subscription's deliveries, newest first, fetching pages as iteration needs them. */
  deliveries(webhookId: string, query: ListWebhookDeliveriesQuery = {}): AsyncIterableIterator<WebhookDelivery> {
    return paginate(async (pageToken) => {
      const page = await this.deliveriesPage(webhookId, { ...query, pageToken });
      return { items: page.deliveries, nextPageToken: page.nextPageToken };
    });
  }

  /** One page of deliveries. */
  deliveriesPage(webhookId: string, query: ListWebhookDeliveriesQuery & { pageToken?: string | undefined } = {}): Promise<WebhookDeliveryPage> {
    return this.transport.json<WebhookDeliveryPage>({ method: 'GET', path: `${webhookPath(webhookId)}/deliveries`, query });
  }

  /** Sends one delivery, or every dead-lettered one since a time, again. Retried safely with an Idempotency-Key. */
  replay(webhookId: string, body: ReplayWebhookDeliveriesRequest, options: { idempotencyKey?: string } = {}): Promise<ReplayedDeliveries> {
    return this.transport.json<ReplayedDeliveries>({
      method: 'POST',
      path: `${webhookPath(webhookId)}/replay`,
      json: body,
      idempotencyKey: options.idempotencyKey ?? randomUUID(),
    });
  }
}

const webhookPath = (webhookId: string) => `/v1/webhooks/${encodeURIComponent(webhookId)}`;
