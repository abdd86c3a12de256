import { randomUUID } from 'node:crypto';
import type { webhookV1 } from '@coffer/contracts';
import { createEvent, parseForwardedEvents, serializeEvent, type EventSchemaRegistry } from '@coffer/events';
import type { SecretSealer } from '@coffer/integrity';
import { AppError, errors } from '@coffer/platform';
import type { PinnedResolver } from '../delivery/pinned-resolver.js';
import { isDeliveryId, newDeliveryId } from '../dispatch/delivery-id.js';
import type { EventFanout } from '../dispatch/event-fanout.js';
import { generateWebhookSecret } from '../dispatch/standard-webhook-signer.js';
import { validateDescription, validateEndpointUrl, validateEventTypes } from '../subscriptions/subscription-rules.js';
import { assertUuid, type DeliveryRecord, type DeliveryStatus, type KnexWebhookRepository, type SubscriptionRecord } from '../subscriptions/webhook-repository.js';

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;
const MAX_OVERLAP_SECONDS = 7 * 86_400;
const MAX_PUBLISH_EVENTS = 1_000;
const STATUSES: ReadonlySet<string> = new Set(['pending', 'succeeded', 'dead']);

/** What the operations need. */
export interface WebhookOperationsDeps {
  readonly repository: KnexWebhookRepository;
  readonly sealer: SecretSealer;
  readonly fanout: EventFanout;
  /** Checks where an endpoint URL resolves to when a subscription is created or changed. */
  readonly resolver: PinnedResolver;
  readonly registry: EventSchemaRegistry;
  /** True when events arrive through PublishEvents (peer:// bus in make dev); false with Kafka. */
  readonly acceptsPublishedEvents: boolean;
  readonly allowHttp: boolean;
  readonly maxSubscriptionsPerUser: number;
  /** Called after a ping or replay queued deliveries. */
  readonly onQueued: () => void;
  readonly clock?: () => Date;
}

/**
 * The webhook service's RPCs. Every subscription operation is its owner's only: another user's
 * subscription is NOT_FOUND, exactly like a missing one (no existence oracle).
 */
export class WebhookOperations {
  readonly #deps: WebhookOperationsDeps;
  readonly #clock: () => Date;

  constructor(deps: WebhookOperationsDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? (() => new Date());
  }

  async #owned(actorId: string, id: string): Promise<SubscriptionRecord> {
    assertUuid(id, 'webhook subscription');
    const subscription = await this.#deps.repository.getSubscription(id);
    if (subscription === undefined || subscription.ownerId !== actorId) throw errors.notFound('No such webhook subscription.');
    return subscription;
  }

  #actor(actorId: string): string {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(actorId)) throw errors.unauthenticated('A signed-in user is required.');
    return actorId.toLowerCase();
  }

  /** The URL's form, then where it resolves to: private, loopback, metadata … addresses are refused (unless allowlisted). */
  async #checkedUrl(text: string): Promise<string> {
    const url = validateEndpointUrl(text, { allowHttp: this.#deps.allowHttp });
    const outcome = await this.#deps.resolver.pin(url.hostname);
    // A name that does not resolve yet is accepted (it is checked again on every attempt); one
    // that resolves to a refused address is not.
    if (!outcome.ok && outcome.reason === 'refused_address') throw errors.invalidArgument(`url: ${outcome.detail}.`);
    return url.href;
  }

  async createSubscription(request: webhookV1.CreateSubscriptionRequest): Promise<webhookV1.CreateSubscriptionResponse> {
    const ownerId = this.#actor(request.actorId);
    const eventTypes = validateEventTypes(request.eventTypes);
    const description = validateDescription(request.description);
    const url = await this.#checkedUrl(request.url);
    const id = randomUUID();
    const secret = generateWebhookSecret();
    const now = this.#clock();
    const subscription = await this.#deps.repository.createSubscription(
      {
        id,
        ownerId,
        url,
        eventTypes,
        description,
        enabled: true,
        disabledReason: undefined,
        sealedSecret: this.#deps.sealer.seal(secret, id),
        sealedPreviousSecret: undefined,
        previousSecretExpiresAt: undefined,
        failingSince: undefined,
        createdAt: now,
        updatedAt: now,
      },
      this.#deps.maxSubscriptionsPerUser,
    );
    return { subscription: toProtoSubscription(subscription), secret };
  }

  async listSubscriptions(request: webhookV1.ListSubscriptionsRequest): Promise<webhookV1.ListSubscriptionsResponse> {
    const subscriptions = await this.#deps.repository.listSubscriptions(this.#actor(request.actorId));
    return { subscriptions: subscriptions.map(toProtoSubscription) };
  }

  async getSubscription(request: webhookV1.GetSubscriptionRequest): Promise<webhookV1.GetSubscriptionResponse> {
    return { subscription: toProtoSubscription(await this.#owned(this.#actor(request.actorId), request.id)) };
  }

  async updateSubscription(request: webhookV1.UpdateSubscriptionRequest): Promise<webhookV1.UpdateSubscriptionResponse> {
    const subscription = await this.#owned(this.#actor(request.actorId), request.id);
    const change = {
      ...(request.url === undefined ? {} : { url: await this.#checkedUrl(request.url) }),
      // An empty list leaves the filter as it is (REST requires at least one type when given).
      ...(request.eventTypes.length === 0 ? {} : { eventTypes: validateEventTypes(request.eventTypes) }),
      ...(request.description === undefined ? {} : { description: validateDescription(request.description) }),
      ...(request.enabled === undefined ? {} : { enabled: request.enabled }),
    };
    const updated = await this.#deps.repository.updateSubscription(subscription.id, change, this.#clock());
    if (updated === undefined) throw errors.notFound('No such webhook subscription.');
    if (request.enabled === true) this.#deps.onQueued();
    return { subscription: toProtoSubscription(updated) };
  }

  async deleteSubscription(request: webhookV1.DeleteSubscriptionRequest): Promise<webhookV1.DeleteSubscriptionResponse> {
    const subscription = await this.#owned(this.#actor(request.actorId), request.id);
    if (!(await this.#deps.repository.deleteSubscription(subscription.id))) throw errors.notFound('No such webhook subscription.');
    return {};
  }

  /** A new secret; the previous one keeps signing (second signature) for `overlap_seconds` (0: stops at once). */
  async rotateSecret(request: webhookV1.RotateSecretRequest): Promise<webhookV1.RotateSecretResponse> {
    const subscription = await this.#owned(this.#actor(request.actorId), request.id);
    if (!Number.isInteger(request.overlapSeconds) || request.overlapSeconds < 0 || request.overlapSeconds > MAX_OVERLAP_SECONDS) {
      throw errors.invalidArgument(`overlapSeconds: must be a whole number from 0 to ${MAX_OVERLAP_SECONDS}.`);
    }
    const now = this.#clock();
    const secret = generateWebhookSecret();
    const expiresAt = request.overlapSeconds === 0 ? undefined : new Date(now.getTime() + request.overlapSeconds * 1000);
    const { sealer, repository } = this.#deps;
    const updated = await repository.updateSubscription(
      subscription.id,
      {
        sealedSecret: sealer.seal(secret, subscription.id),
        sealedPreviousSecret: expiresAt === undefined ? null : subscription.sealedSecret,
        previousSecretExpiresAt: expiresAt ?? null,
      },
      now,
    );
    if (updated === undefined) throw errors.notFound('No such webhook subscription.');
    return { secret, previousSecretExpiresAt: expiresAt };
  }

  async sendTestPing(request: webhookV1.SendTestPingRequest): Promise<webhookV1.SendTestPingResponse> {
    const subscription = await this.#owned(this.#actor(request.actorId), request.id);
    if (!subscription.enabled) throw errors.conflict('The subscription is disabled; enable it before pinging it.');
    const now = this.#clock();
    const event = createEvent({ type: 'webhook.ping', source: '/coffer/webhook', subject: subscription.id, time: now, data: { subscriptionId: subscription.id, ownerId: subscription.ownerId } });
    const id = newDeliveryId(now.getTime());
    await this.#deps.repository.insertDeliveries([{ id, subscriptionId: subscription.id, eventId: event.id, eventType: event.type, payload: serializeEvent(event), createdAt: now }]);
    this.#deps.onQueued();
    return { deliveryId: id };
  }

  async listDeliveries(request: webhookV1.ListDeliveriesRequest): Promise<webhookV1.ListDeliveriesResponse> {
    const subscription = await this.#owned(this.#actor(request.actorId), request.subscriptionId);
    if (request.status !== '' && !STATUSES.has(request.status)) throw errors.invalidArgument('status: must be pending, succeeded or dead.');
    const pageSize = request.pageSize === 0 ? DEFAULT_PAGE_SIZE : request.pageSize;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) throw errors.invalidArgument(`pageSize: must be 1 to ${MAX_PAGE_SIZE}.`);
    const after = request.pageToken === '' ? undefined : decodeDeliveryPageToken(request.pageToken);
    const rows = await this.#deps.repository.listDeliveries(subscription.id, {
      limit: pageSize + 1,
      ...(request.status === '' ? {} : { status: request.status as DeliveryStatus }),
      ...(after === undefined ? {} : { after }),
    });
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    return { deliveries: page.map(toProtoDelivery), nextPageToken: rows.length > pageSize && last !== undefined ? encodeDeliveryPageToken(last) : '' };
  }

  async replayDeliveries(request: webhookV1.ReplayDeliveriesRequest): Promise<webhookV1.ReplayDeliveriesResponse> {
    const subscription = await this.#owned(this.#actor(request.actorId), request.subscriptionId);
    if ((request.deliveryId === '') === (request.since === undefined)) throw errors.invalidArgument('Give either deliveryId or since.');
    if (!subscription.enabled) throw errors.conflict('The subscription is disabled; enable it before replaying deliveries.');
    const now = this.#clock();
    let replayed: number;
    if (request.deliveryId !== '') {
      if (!isDeliveryId(request.deliveryId) || !(await this.#deps.repository.replayDelivery(subscription.id, request.deliveryId, now))) {
        throw errors.notFound('No such delivery.');
      }
      replayed = 1;
    } else {
      replayed = await this.#deps.repository.replayDeadSince(subscription.id, request.since ?? now, now);
    }
    if (replayed > 0) this.#deps.onQueued();
    return { replayed };
  }

  /** Events forwarded by producers' outbox relays (peer:// bus): resolves once their deliveries are stored. */
  async publishEvents(request: webhookV1.PublishEventsRequest): Promise<webhookV1.PublishEventsResponse> {
    if (!this.#deps.acceptsPublishedEvents) {
      throw new AppError('precondition_failed', { detail: 'The platform runs on Kafka: the webhook service consumes the topics itself.' });
    }
    const events = parseForwardedEvents(request.eventsJson, this.#deps.registry, MAX_PUBLISH_EVENTS);
    await this.#deps.fanout.fanOut(events);
    return {};
  }
}

function toProtoSubscription(subscription: SubscriptionRecord): webhookV1.Subscription {
  return {
    id: subscription.id,
    ownerId: subscription.ownerId,
    url: subscription.url,
    eventTypes: [...subscription.eventTypes],
    enabled: subscription.enabled,
    createdAt: subscription.createdAt,
    description: subscription.description,
    disabledReason: subscription.disabledReason ?? '',
    updatedAt: subscription.updatedAt,
    previousSecretExpiresAt: subscription.previousSecretExpiresAt,
  };
}

function toProtoDelivery(delivery: DeliveryRecord): webhookV1.Delivery {
  return {
    id: delivery.id,
    subscriptionId: delivery.subscriptionId,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    nextAttemptAt: delivery.status === 'pending' ? delivery.nextAttemptAt : undefined,
    lastStatusCode: delivery.lastStatusCode ?? 0,
    lastError: delivery.lastError ?? '',
    createdAt: delivery.createdAt,
    completedAt: delivery.completedAt,
  };
}

/** `base64url(JSON [1, createdAtMs, id])` of the last delivery of a page. */
function encodeDeliveryPageToken(last: DeliveryRecord): string {
  return Buffer.from(JSON.stringify([1, last.createdAt.getTime(), last.id]), 'utf8').toString('base64url');
}

function decodeDeliveryPageToken(token: string): { createdAt: Date; id: string } {
  const invalid = () => errors.invalidArgument('pageToken: is not valid.');
  if (token.length > 200 || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(value) || value.length !== 3 || value[0] !== 1) throw invalid();
  const [, ms, id] = value as [unknown, unknown, unknown];
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || typeof id !== 'string' || !isDeliveryId(id)) throw invalid();
  return { createdAt: new Date(ms), id };
}
