import { randomUUID } from 'node:crypto';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWebhookGateway, type WebhookGateway } from './webhook-gateway.fixture.js';

// Idempotency-Key on the webhook operations whose contract has it, through the real handlers
// and a real gRPC WebhookService fake: a replay must not reach the service again.

const ID = '0b6f5d0e-8f7a-4d55-9d54-4ef8a4b1a111';

describe('webhook handlers with Idempotency-Key', () => {
  let gateway: WebhookGateway;
  beforeAll(async () => {
    gateway = await startWebhookGateway();
  });
  afterAll(() => gateway.close());
  beforeEach(() => {
    gateway.service.reset();
  });
  const withKey = (key: string) => ({ 'idempotency-key': key });

  it('pingWebhook: a retry with the key gets the queued delivery again and queues no second ping', async () => {
    let pings = 0;
    gateway.service.answer('sendTestPing', () => ({ deliveryId: `msg_${++pings}` }));
    const key = `ping-${randomUUID()}`;
    const first = await gateway.request('POST', `/v1/webhooks/${ID}/ping`, { headers: withKey(key) });
    const again = await gateway.request('POST', `/v1/webhooks/${ID}/ping`, { headers: withKey(key) });
    expect([first.status, again.status]).toEqual([202, 202]);
    expect(await again.json()).toEqual(await first.json());
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(gateway.service.requests('sendTestPing')).toHaveLength(1);
  });

  it('pingWebhook: another user with the same key pings their own webhook', async () => {
    gateway.service.answer('sendTestPing', (request) => ({ deliveryId: `msg_${request.actorId}` }));
    const key = `ping-${randomUUID()}`;
    await gateway.request('POST', `/v1/webhooks/${ID}/ping`, { userId: 'u1', headers: withKey(key) });
    const other = await gateway.request('POST', `/v1/webhooks/${ID}/ping`, { userId: 'u2', headers: withKey(key) });
    expect(await other.json()).toEqual({ deliveryId: 'msg_u2' });
    expect(gateway.service.requests('sendTestPing').map((request) => request.actorId)).toEqual(['u1', 'u2']);
  });

  it('replayWebhookDeliveries: replays once per key; another body with the key is 422', async () => {
    gateway.service.answer('replayDeliveries', () => ({ replayed: 3 }));
    const key = `replay-${randomUUID()}`;
    const body = { since: '2025-03-01T00:00:00Z' };
    const first = await gateway.request('POST', `/v1/webhooks/${ID}/replay`, { body, headers: withKey(key) });
    const again = await gateway.request('POST', `/v1/webhooks/${ID}/replay`, { body, headers: withKey(key) });
    expect(await again.json()).toEqual(await first.json());
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await gateway.request('POST', `/v1/webhooks/${ID}/replay`, { body: { deliveryId: 'msg_abc' }, headers: withKey(key) });
    expect(other.status).toBe(422);
    expect(await other.json()).toMatchObject({ code: 'idempotency_key_reused' });
    expect(gateway.service.requests('replayDeliveries')).toHaveLength(1);
  });

  it('replayWebhookDeliveries: a service outage (503) is not kept; the retry with the key reaches the service', async () => {
    const key = `replay-${randomUUID()}`;
    const body = { deliveryId: 'msg_abc' };
    gateway.service.failWithStatus('replayDeliveries', GrpcStatus.UNAVAILABLE);
    expect((await gateway.request('POST', `/v1/webhooks/${ID}/replay`, { body, headers: withKey(key) })).status).toBe(503);
    gateway.service.reset();
    gateway.service.answer('replayDeliveries', () => ({ replayed: 1 }));
    const retried = await gateway.request('POST', `/v1/webhooks/${ID}/replay`, { body, headers: withKey(key) });
    expect(retried.status).toBe(202);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(gateway.service.requests('replayDeliveries')).toHaveLength(1);
  });
});
