import type { Request, Response } from 'express';
import type { restApi, webhookV1 } from '@coffer/contracts';
import { errors, unaryCall } from '@coffer/platform';
import { callerOf, parametersOf } from '../http/gateway-app.js';
import type { OperationHandlers } from '../http/operation.js';

type Schemas = restApi.components['schemas'];

export interface WebhookHandlerDeps {
  webhooks: webhookV1.WebhookServiceClient;
  deadlineMs: number;
}

/** The REST default of `overlapSeconds` (openapi/coffer.yaml, RotateWebhookSecretRequest). */
const DEFAULT_OVERLAP_SECONDS = 86_400;

const iso = (date: Date | undefined): string => (date ?? new Date(0)).toISOString();

type DisabledReason = NonNullable<Schemas['Webhook']['disabledReason']>;
type DeliveryStatus = Schemas['WebhookDeliveryStatus'];

function isDisabledReason(reason: string): reason is DisabledReason {
  return reason === 'owner' || reason === 'gone' || reason === 'failing';
}

function isDeliveryStatus(status: string): status is DeliveryStatus {
  return status === 'pending' || status === 'succeeded' || status === 'dead';
}

/** The public shape of a subscription: its owner is the caller, so `owner_id` is not repeated. */
export function toWebhook(subscription: webhookV1.Subscription | undefined): Schemas['Webhook'] {
  if (!subscription) throw errors.internal(new Error('a webhook RPC answered without a subscription'));
  return {
    id: subscription.id,
    url: subscription.url,
    eventTypes: subscription.eventTypes,
    enabled: subscription.enabled,
    ...(subscription.description ? { description: subscription.description } : {}),
    // A reason outside the contract's enum is left out rather than sent as an undeclared value.
    ...(isDisabledReason(subscription.disabledReason) ? { disabledReason: subscription.disabledReason } : {}),
    createdAt: iso(subscription.createdAt),
    updatedAt: iso(subscription.updatedAt ?? subscription.createdAt),
    ...(subscription.previousSecretExpiresAt ? { previousSecretExpiresAt: subscription.previousSecretExpiresAt.toISOString() } : {}),
  };
}

/** One delivery; `subscription_id` is the path's webhookId, and a status code 0 means no response. */
export function toWebhookDelivery(delivery: webhookV1.Delivery): Schemas['WebhookDelivery'] {
  return {
    id: delivery.id,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    // Like an audit event's outcome: a value outside the contract's enum is not passed on.
    status: isDeliveryStatus(delivery.status) ? delivery.status : 'pending',
    attempts: delivery.attempts,
    ...(delivery.nextAttemptAt ? { nextAttemptAt: delivery.nextAttemptAt.toISOString() } : {}),
    ...(delivery.lastStatusCode > 0 ? { lastStatusCode: delivery.lastStatusCode } : {}),
    ...(delivery.lastError ? { lastError: delivery.lastError } : {}),
    createdAt: iso(delivery.createdAt),
    ...(delivery.completedAt ? { completedAt: delivery.completedAt.toISOString() } : {}),
  };
}

/**
 * Handlers of the webhook subscription operations. Each is one call to the webhook service,
 * which validates URLs and event types and answers NOT_FOUND for another user's subscription.
 */
export function webhookHandlers(deps: WebhookHandlerDeps): OperationHandlers {
  const { webhooks, deadlineMs } = deps;
  const call = <Req, Res>(method: Parameters<typeof unaryCall<Req, Res>>[0], request: Req) => unaryCall(method, request, deadlineMs);
  const body = <T>(req: Request) => req.body as T;
  const actorId = (res: Response) => callerOf(res).userId;
  const webhookId = (res: Response) => String(parametersOf(res)['webhookId']);

  return {
    createWebhook: async (req, res) => {
      const input = body<Schemas['CreateWebhookRequest']>(req);
      const { subscription, secret } = await call(webhooks.createSubscription.bind(webhooks), {
        actorId: actorId(res),
        url: input.url,
        eventTypes: input.eventTypes,
        description: input.description ?? '',
      });
      // The signing secret is in this answer only: no cache may keep it.
      res.status(201).setHeader('cache-control', 'no-store').json({ webhook: toWebhook(subscription), secret });
    },

    listWebhooks: async (_req, res) => {
      const { subscriptions } = await call(webhooks.listSubscriptions.bind(webhooks), { actorId: actorId(res) });
      res.status(200).json({ webhooks: subscriptions.map((subscription) => toWebhook(subscription)) });
    },

    getWebhook: async (_req, res) => {
      const { subscription } = await call(webhooks.getSubscription.bind(webhooks), { actorId: actorId(res), id: webhookId(res) });
      res.status(200).json(toWebhook(subscription));
    },

    updateWebhook: async (req, res) => {
      const input = body<Schemas['UpdateWebhookRequest']>(req);
      const { subscription } = await call(webhooks.updateSubscription.bind(webhooks), {
        actorId: actorId(res),
        id: webhookId(res),
        ...(input.url === undefined ? {} : { url: input.url }),
        // A repeated field has no presence: empty means "unchanged" (REST refuses an empty list).
        eventTypes: input.eventTypes ?? [],
        ...(input.enabled === undefined ? {} : { enabled: input.enabled }),
        ...(input.description === undefined ? {} : { description: input.description }),
      });
      res.status(200).json(toWebhook(subscription));
    },

    deleteWebhook: async (_req, res) => {
      await call(webhooks.deleteSubscription.bind(webhooks), { actorId: actorId(res), id: webhookId(res) });
      res.status(204).end();
    },

    rotateWebhookSecret: async (req, res) => {
      const overlapSeconds = body<Partial<Schemas['RotateWebhookSecretRequest']> | undefined>(req)?.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS;
      // 0 is passed on: the previous secret stops signing at once (a leaked secret).
      const rotated = await call(webhooks.rotateSecret.bind(webhooks), { actorId: actorId(res), id: webhookId(res), overlapSeconds });
      res
        .status(200)
        .setHeader('cache-control', 'no-store')
        .json({
          secret: rotated.secret,
          ...(rotated.previousSecretExpiresAt ? { previousSecretExpiresAt: rotated.previousSecretExpiresAt.toISOString() } : {}),
        });
    },

    pingWebhook: async (_req, res) => {
      const { deliveryId } = await call(webhooks.sendTestPing.bind(webhooks), { actorId: actorId(res), id: webhookId(res) });
      res.status(202).json({ deliveryId });
    },

    listWebhookDeliveries: async (_req, res) => {
      const p = parametersOf(res);
      const { deliveries, nextPageToken } = await call(webhooks.listDeliveries.bind(webhooks), {
        actorId: actorId(res),
        subscriptionId: webhookId(res),
        status: typeof p['status'] === 'string' ? p['status'] : '',
        pageSize: typeof p['pageSize'] === 'number' ? p['pageSize'] : 50,
        pageToken: typeof p['pageToken'] === 'string' ? p['pageToken'] : '',
      });
      res.status(200).json({ deliveries: deliveries.map(toWebhookDelivery), ...(nextPageToken ? { nextPageToken } : {}) });
    },

    replayWebhookDeliveries: async (req, res) => {
      // The contract allows exactly one property (request validation enforces it).
      const input = body<Schemas['ReplayWebhookDeliveriesRequest']>(req);
      const { replayed } = await call(webhooks.replayDeliveries.bind(webhooks), {
        actorId: actorId(res),
        subscriptionId: webhookId(res),
        deliveryId: input.deliveryId ?? '',
        since: input.since === undefined ? undefined : new Date(input.since),
      });
      res.status(202).json({ replayed });
    },
  };
}
