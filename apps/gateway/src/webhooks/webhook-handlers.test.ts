import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { webhookV1 } from '@coffer/contracts';
import { startWebhookGateway, type WebhookGateway } from './webhook-gateway.fixture.js';

// Success cases: what each operation sends to WebhookService and how the answer is shaped.
// Refusals (400, 401, 404, 409, 412, 500) are in webhook-handlers.errors.test.ts.

const ID = '0b6f5d0e-8f7a-4d55-9d54-4ef8a4b1a111';
const CREATED = new Date('2025-03-01T10:00:00.000Z');
const UPDATED = new Date('2025-03-02T11:30:00.000Z');

/** A subscription as the webhook service answers it (owner included, no disabled reason). */
function subscription(overrides: Partial<webhookV1.Subscription> = {}): webhookV1.Subscription {
  return webhookV1.Subscription.fromPartial({
    id: ID,
    ownerId: 'u1',
    url: 'https://hooks.example.com/coffer',
    eventTypes: ['file.uploaded', 'share.*'],
    enabled: true,
    description: 'CI hook',
    createdAt: CREATED,
    updatedAt: UPDATED,
    ...overrides,
  });
}

/** The REST representation of `subscription()`. */
const webhook = {
  id: ID,
  url: 'https://hooks.example.com/coffer',
  eventTypes: ['file.uploaded', 'share.*'],
  enabled: true,
  description: 'CI hook',
  createdAt: '2025-03-01T10:00:00.000Z',
  updatedAt: '2025-03-02T11:30:00.000Z',
};

describe('webhook handlers: REST to WebhookService and back', () => {
  let gateway: WebhookGateway;
  beforeAll(async () => {
    gateway = await startWebhookGateway();
  });
  afterAll(() => gateway.close());
  beforeEach(() => {
    gateway.service.reset();
  });

  describe('createWebhook', () => {
    it('sends the caller as actor and answers 201 with the subscription and its secret, not cacheable', async () => {
      gateway.service.answer('createSubscription', () => ({ subscription: subscription(), secret: 'whsec_c2VjcmV0' }));
      const response = await gateway.request('POST', '/v1/webhooks', {
        body: { url: 'https://hooks.example.com/coffer', eventTypes: ['file.uploaded', 'share.*'], description: 'CI hook' },
      });
      expect(response.status).toBe(201);
      expect(response.headers.get('cache-control')).toBe('no-store');
      // Like createShare and createLink (and unlike uploadFile), no Location: the contract declares none here.
      expect(response.headers.get('location')).toBeNull();
      expect(await response.json()).toEqual({ webhook, secret: 'whsec_c2VjcmV0' });
      expect(gateway.service.requests('createSubscription')).toEqual([
        { actorId: 'u1', url: 'https://hooks.example.com/coffer', eventTypes: ['file.uploaded', 'share.*'], description: 'CI hook' },
      ]);
    });

    it('sends an empty description when there is none', async () => {
      gateway.service.answer('createSubscription', () => ({ subscription: subscription({ description: '' }), secret: 'whsec_eA' }));
      const response = await gateway.request('POST', '/v1/webhooks', { userId: 'u2', body: { url: 'https://hooks.example.com/x', eventTypes: ['*'] } });
      expect(response.status).toBe(201);
      const { description: _omitted, ...withoutDescription } = webhook;
      expect(await response.json()).toEqual({ webhook: withoutDescription, secret: 'whsec_eA' });
      expect(gateway.service.requests('createSubscription')).toEqual([{ actorId: 'u2', url: 'https://hooks.example.com/x', eventTypes: ['*'], description: '' }]);
    });
  });

  describe('listWebhooks', () => {
    it("lists the caller's subscriptions without owner, with the disabled reason and the previous secret's expiry when set", async () => {
      const expiry = new Date('2025-03-03T00:00:00.000Z');
      gateway.service.answer('listSubscriptions', () => ({
        subscriptions: [
          subscription(),
          subscription({ id: 'other', enabled: false, disabledReason: 'failing', description: '', previousSecretExpiresAt: expiry }),
        ],
      }));
      const response = await gateway.request('GET', '/v1/webhooks');
      expect(response.status).toBe(200);
      const body = (await response.json()) as { webhooks: Record<string, unknown>[] };
      expect(body).toEqual({
        webhooks: [
          webhook,
          {
            id: 'other',
            url: webhook.url,
            eventTypes: webhook.eventTypes,
            enabled: false,
            disabledReason: 'failing',
            createdAt: webhook.createdAt,
            updatedAt: webhook.updatedAt,
            previousSecretExpiresAt: '2025-03-03T00:00:00.000Z',
          },
        ],
      });
      expect(body.webhooks.some((item) => 'ownerId' in item)).toBe(false);
      expect(gateway.service.requests('listSubscriptions')).toEqual([{ actorId: 'u1' }]);
    });

    it('answers an empty list as an empty array', async () => {
      gateway.service.answer('listSubscriptions', () => ({ subscriptions: [] }));
      const response = await gateway.request('GET', '/v1/webhooks');
      expect(await response.json()).toEqual({ webhooks: [] });
    });

    it('leaves out a disabled reason the contract does not know, and takes createdAt for a missing updatedAt', async () => {
      gateway.service.answer('listSubscriptions', () => ({ subscriptions: [subscription({ enabled: false, disabledReason: 'mystery', updatedAt: undefined })] }));
      const [item] = ((await (await gateway.request('GET', '/v1/webhooks')).json()) as { webhooks: Record<string, unknown>[] }).webhooks;
      expect(item).not.toHaveProperty('disabledReason');
      expect(item).toMatchObject({ enabled: false, updatedAt: webhook.createdAt });
    });
  });

  describe('getWebhook', () => {
    it('asks for the subscription of the path as the caller', async () => {
      gateway.service.answer('getSubscription', () => ({ subscription: subscription({ enabled: false, disabledReason: 'gone' }) }));
      const response = await gateway.request('GET', `/v1/webhooks/${ID}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ...webhook, enabled: false, disabledReason: 'gone' });
      expect(gateway.service.requests('getSubscription')).toEqual([{ actorId: 'u1', id: ID }]);
    });

    it('answers 500 without internals when the service answers without a subscription', async () => {
      gateway.service.answer('getSubscription', () => ({ subscription: undefined }));
      const response = await gateway.request('GET', `/v1/webhooks/${ID}`);
      expect(response.status).toBe(500);
      expect(await response.json()).toMatchObject({ code: 'internal', detail: 'An internal error occurred.' });
    });
  });

  describe('updateWebhook', () => {
    it('sends only the fields given (no event types means unchanged)', async () => {
      gateway.service.answer('updateSubscription', () => ({ subscription: subscription({ enabled: false, disabledReason: 'owner' }) }));
      const response = await gateway.request('PATCH', `/v1/webhooks/${ID}`, { body: { enabled: false } });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ...webhook, enabled: false, disabledReason: 'owner' });
      const [request] = gateway.service.requests('updateSubscription');
      // Unset proto3 optionals decode as undefined: the service cannot mistake them for "clear".
      expect(request).toEqual({ actorId: 'u1', id: ID, eventTypes: [], enabled: false, url: undefined, description: undefined });
    });

    it('sends every field given, an empty description included', async () => {
      gateway.service.answer('updateSubscription', () => ({ subscription: subscription({ url: 'https://new.example.com/h', eventTypes: ['*'], description: '' }) }));
      const response = await gateway.request('PATCH', `/v1/webhooks/${ID}`, {
        body: { url: 'https://new.example.com/h', eventTypes: ['*'], description: '', enabled: true },
      });
      expect(response.status).toBe(200);
      const { description: _omitted, ...rest } = webhook;
      expect(await response.json()).toEqual({ ...rest, url: 'https://new.example.com/h', eventTypes: ['*'] });
      expect(gateway.service.requests('updateSubscription')).toEqual([
        { actorId: 'u1', id: ID, url: 'https://new.example.com/h', eventTypes: ['*'], description: '', enabled: true },
      ]);
    });
  });

  describe('deleteWebhook', () => {
    it('answers 204 without a body', async () => {
      gateway.service.answer('deleteSubscription', () => ({}));
      const response = await gateway.request('DELETE', `/v1/webhooks/${ID}`);
      expect(response.status).toBe(204);
      expect(await response.text()).toBe('');
      expect(gateway.service.requests('deleteSubscription')).toEqual([{ actorId: 'u1', id: ID }]);
    });
  });

  describe('rotateWebhookSecret', () => {
    it('sends the overlap asked for and answers the new secret, not cacheable', async () => {
      gateway.service.answer('rotateSecret', () => ({ secret: 'whsec_bmV3', previousSecretExpiresAt: new Date('2025-03-02T12:30:00.000Z') }));
      const response = await gateway.request('POST', `/v1/webhooks/${ID}/secret`, { body: { overlapSeconds: 3600 } });
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await response.json()).toEqual({ secret: 'whsec_bmV3', previousSecretExpiresAt: '2025-03-02T12:30:00.000Z' });
      expect(gateway.service.requests('rotateSecret')).toEqual([{ actorId: 'u1', id: ID, overlapSeconds: 3600 }]);
    });

    it("sends the contract's default overlap (86400 s) when none is given, and omits an unset expiry", async () => {
      gateway.service.answer('rotateSecret', () => ({ secret: 'whsec_bmV3', previousSecretExpiresAt: undefined }));
      const response = await gateway.request('POST', `/v1/webhooks/${ID}/secret`, { body: {} });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ secret: 'whsec_bmV3' });
      expect(gateway.service.requests('rotateSecret')).toEqual([{ actorId: 'u1', id: ID, overlapSeconds: 86_400 }]);
      // The body is optional: a POST without one (and without a Content-Type) is fine.
      expect((await gateway.request('POST', `/v1/webhooks/${ID}/secret`)).status).toBe(200);
      expect(gateway.service.requests('rotateSecret').at(-1)).toEqual({ actorId: 'u1', id: ID, overlapSeconds: 86_400 });
      await gateway.request('POST', `/v1/webhooks/${ID}/secret`, { body: { overlapSeconds: 0 } });
      expect(gateway.service.requests('rotateSecret').at(-1)).toEqual({ actorId: 'u1', id: ID, overlapSeconds: 0 });
    });
  });

  describe('pingWebhook', () => {
    it('answers 202 with the queued delivery', async () => {
      gateway.service.answer('sendTestPing', () => ({ deliveryId: 'msg_2f1c' }));
      const response = await gateway.request('POST', `/v1/webhooks/${ID}/ping`);
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({ deliveryId: 'msg_2f1c' });
      expect(gateway.service.requests('sendTestPing')).toEqual([{ actorId: 'u1', id: ID }]);
    });
  });

  describe('listWebhookDeliveries', () => {
    const delivered = webhookV1.Delivery.fromPartial({
      id: 'msg_1',
      subscriptionId: ID,
      eventId: 'evt-1',
      eventType: 'file.uploaded',
      status: 'succeeded',
      attempts: 1,
      lastStatusCode: 204,
      createdAt: CREATED,
      completedAt: UPDATED,
    });
    const retrying = webhookV1.Delivery.fromPartial({
      id: 'msg_2',
      subscriptionId: ID,
      eventId: 'evt-2',
      eventType: 'webhook.ping',
      status: 'pending',
      attempts: 2,
      nextAttemptAt: new Date('2025-03-02T12:00:00.000Z'),
      lastStatusCode: 0,
      lastError: 'connect ETIMEDOUT',
      createdAt: CREATED,
    });

    it('passes the filter and paging and shapes each delivery, leaving out what is unset', async () => {
      gateway.service.answer('listDeliveries', () => ({ deliveries: [delivered, retrying], nextPageToken: 'next-1' }));
      const response = await gateway.request('GET', `/v1/webhooks/${ID}/deliveries?status=pending&pageSize=10&pageToken=tok-0`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        deliveries: [
          { id: 'msg_1', eventId: 'evt-1', eventType: 'file.uploaded', status: 'succeeded', attempts: 1, lastStatusCode: 204, createdAt: '2025-03-01T10:00:00.000Z', completedAt: '2025-03-02T11:30:00.000Z' },
          // Status code 0 is "no response": left out, the error says why.
          { id: 'msg_2', eventId: 'evt-2', eventType: 'webhook.ping', status: 'pending', attempts: 2, nextAttemptAt: '2025-03-02T12:00:00.000Z', lastError: 'connect ETIMEDOUT', createdAt: '2025-03-01T10:00:00.000Z' },
        ],
        nextPageToken: 'next-1',
      });
      expect(gateway.service.requests('listDeliveries')).toEqual([{ actorId: 'u1', subscriptionId: ID, status: 'pending', pageSize: 10, pageToken: 'tok-0' }]);
    });

    it('sends no filter, the default page size and no token when none is given; the last page has no nextPageToken', async () => {
      gateway.service.answer('listDeliveries', () => ({ deliveries: [], nextPageToken: '' }));
      const response = await gateway.request('GET', `/v1/webhooks/${ID}/deliveries`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ deliveries: [] });
      expect(gateway.service.requests('listDeliveries')).toEqual([{ actorId: 'u1', subscriptionId: ID, status: '', pageSize: 50, pageToken: '' }]);
    });
  });

  describe('replayWebhookDeliveries', () => {
    it('replays one delivery by id and answers 202 with the count', async () => {
      gateway.service.answer('replayDeliveries', () => ({ replayed: 1 }));
      const response = await gateway.request('POST', `/v1/webhooks/${ID}/replay`, { body: { deliveryId: 'msg_abc123' } });
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({ replayed: 1 });
      expect(gateway.service.requests('replayDeliveries')).toEqual([{ actorId: 'u1', subscriptionId: ID, deliveryId: 'msg_abc123', since: undefined }]);
    });

    it('replays the dead letters since a time', async () => {
      gateway.service.answer('replayDeliveries', () => ({ replayed: 7 }));
      const response = await gateway.request('POST', `/v1/webhooks/${ID}/replay`, { body: { since: '2025-03-01T00:00:00+02:00' } });
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({ replayed: 7 });
      expect(gateway.service.requests('replayDeliveries')).toEqual([
        { actorId: 'u1', subscriptionId: ID, deliveryId: '', since: new Date('2025-02-28T22:00:00.000Z') },
      ]);
    });
  });
});
