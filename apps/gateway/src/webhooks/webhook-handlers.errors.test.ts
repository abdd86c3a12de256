import { status as GrpcStatus } from '@grpc/grpc-js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { webhookV1 } from '@coffer/contracts';
import { AppError, errors } from '@coffer/platform';
import { startWebhookGateway, type WebhookGateway, type WebhookRpc } from './webhook-gateway.fixture.js';

// Refusals: what the gateway answers when the caller, the request or WebhookService says no.
// gRPC errors are mapped by the platform's one table (libs/platform/src/errors/error-mapping.ts).

const ID = '0b6f5d0e-8f7a-4d55-9d54-4ef8a4b1a111';

/** Every webhook operation: method, path, a valid body, and the RPC it calls. */
const OPERATIONS: { operationId: string; method: string; path: string; body?: unknown; rpc: WebhookRpc }[] = [
  { operationId: 'createWebhook', method: 'POST', path: '/v1/webhooks', body: { url: 'https://hooks.example.com/h', eventTypes: ['*'] }, rpc: 'createSubscription' },
  { operationId: 'listWebhooks', method: 'GET', path: '/v1/webhooks', rpc: 'listSubscriptions' },
  { operationId: 'getWebhook', method: 'GET', path: `/v1/webhooks/${ID}`, rpc: 'getSubscription' },
  { operationId: 'updateWebhook', method: 'PATCH', path: `/v1/webhooks/${ID}`, body: { enabled: true }, rpc: 'updateSubscription' },
  { operationId: 'deleteWebhook', method: 'DELETE', path: `/v1/webhooks/${ID}`, rpc: 'deleteSubscription' },
  { operationId: 'rotateWebhookSecret', method: 'POST', path: `/v1/webhooks/${ID}/secret`, body: {}, rpc: 'rotateSecret' },
  { operationId: 'pingWebhook', method: 'POST', path: `/v1/webhooks/${ID}/ping`, rpc: 'sendTestPing' },
  { operationId: 'listWebhookDeliveries', method: 'GET', path: `/v1/webhooks/${ID}/deliveries`, rpc: 'listDeliveries' },
  { operationId: 'replayWebhookDeliveries', method: 'POST', path: `/v1/webhooks/${ID}/replay`, body: { deliveryId: 'msg_1' }, rpc: 'replayDeliveries' },
];
const ON_ONE_SUBSCRIPTION = OPERATIONS.filter((operation) => operation.path.includes(ID));

async function expectProblem(response: Response, status: number, code: string, detail?: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect(await response.json()).toMatchObject({ status, code, ...(detail === undefined ? {} : { detail }) });
}

describe('webhook handlers: refusals', () => {
  let gateway: WebhookGateway;
  beforeAll(async () => {
    gateway = await startWebhookGateway();
  });
  afterAll(() => gateway.close());
  beforeEach(() => {
    gateway.service.reset();
  });

  describe('401', () => {
    it.each(OPERATIONS)('$operationId without a token: 401 before WebhookService is called', async ({ method, path, body }) => {
      const response = await gateway.request(method, path, { userId: undefined, body });
      await expectProblem(response, 401, 'unauthenticated');
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="coffer"');
      expect(gateway.service.received).toEqual([]);
    });
  });

  describe('404', () => {
    it.each(ON_ONE_SUBSCRIPTION)('$operationId: NOT_FOUND from WebhookService is a 404 problem', async ({ method, path, body, rpc }) => {
      gateway.service.fail(rpc, errors.notFound('No such webhook.'));
      await expectProblem(await gateway.request(method, path, { body }), 404, 'not_found', 'No such webhook.');
      expect(gateway.service.received.map((call) => call.rpc)).toEqual([rpc]);
    });

    it("is what another user gets for someone's subscription (the service decides by actor_id)", async () => {
      gateway.service.answer('getSubscription', (request) => {
        if (request.actorId !== 'owner') throw errors.notFound('No such webhook.');
        return { subscription: webhookV1.Subscription.fromPartial({ id: ID, ownerId: 'owner', url: 'https://h.example.com', eventTypes: ['*'], enabled: true }) };
      });
      expect((await gateway.request('GET', `/v1/webhooks/${ID}`, { userId: 'owner' })).status).toBe(200);
      await expectProblem(await gateway.request('GET', `/v1/webhooks/${ID}`, { userId: 'intruder' }), 404, 'not_found');
      expect(gateway.service.requests('getSubscription').map((request) => request.actorId)).toEqual(['owner', 'intruder']);
    });

    it('maps a bare NOT_FOUND status (no Coffer error code) to 404 with the generic title', async () => {
      gateway.service.failWithStatus('deleteSubscription', GrpcStatus.NOT_FOUND);
      await expectProblem(await gateway.request('DELETE', `/v1/webhooks/${ID}`), 404, 'not_found', 'Not found');
    });
  });

  describe('400', () => {
    it('passes on INVALID_ARGUMENT from WebhookService with its field-naming detail', async () => {
      gateway.service.fail('createSubscription', errors.invalidArgument('url: must not resolve to a private address.'));
      const response = await gateway.request('POST', '/v1/webhooks', { body: { url: 'https://10.0.0.1/h', eventTypes: ['*'] } });
      await expectProblem(response, 400, 'invalid_argument', 'url: must not resolve to a private address.');
    });

    it.each(ON_ONE_SUBSCRIPTION)('$operationId with a webhookId that is not a UUID: 400 before WebhookService is called', async ({ method, path, body }) => {
      await expectProblem(await gateway.request(method, path.replace(ID, 'not-a-uuid'), { body }), 400, 'invalid_argument');
      expect(gateway.service.received).toEqual([]);
    });

    it.each([
      ['no eventTypes', { url: 'https://hooks.example.com/h' }],
      ['an empty eventTypes', { url: 'https://hooks.example.com/h', eventTypes: [] }],
      ['a malformed event type', { url: 'https://hooks.example.com/h', eventTypes: ['File.Uploaded'] }],
      ['an unknown field', { url: 'https://hooks.example.com/h', eventTypes: ['*'], secret: 'mine' }],
    ])('createWebhook with %s: 400 from request validation', async (_name, body) => {
      await expectProblem(await gateway.request('POST', '/v1/webhooks', { body }), 400, 'invalid_argument');
      expect(gateway.service.received).toEqual([]);
    });

    it('updateWebhook with an empty body: 400', async () => {
      await expectProblem(await gateway.request('PATCH', `/v1/webhooks/${ID}`, { body: {} }), 400, 'invalid_argument');
      expect(gateway.service.received).toEqual([]);
    });

    it.each([
      ['neither deliveryId nor since', {}],
      ['both deliveryId and since', { deliveryId: 'msg_1', since: '2025-03-01T00:00:00Z' }],
      ['a since that is not a date-time', { since: 'yesterday' }],
      ['a deliveryId of the wrong form', { deliveryId: 'evt-1' }],
    ])('replayWebhookDeliveries with %s: 400', async (_name, body) => {
      await expectProblem(await gateway.request('POST', `/v1/webhooks/${ID}/replay`, { body }), 400, 'invalid_argument');
      expect(gateway.service.received).toEqual([]);
    });

    it('rotateWebhookSecret with overlapSeconds over a week: 400', async () => {
      await expectProblem(await gateway.request('POST', `/v1/webhooks/${ID}/secret`, { body: { overlapSeconds: 604_801 } }), 400, 'invalid_argument');
      expect(gateway.service.received).toEqual([]);
    });

    it('listWebhookDeliveries with an unknown status: 400', async () => {
      await expectProblem(await gateway.request('GET', `/v1/webhooks/${ID}/deliveries?status=failed`), 400, 'invalid_argument');
      expect(gateway.service.received).toEqual([]);
    });
  });

  describe('409 and 412', () => {
    it.each([
      ['pingWebhook', `/v1/webhooks/${ID}/ping`, undefined, 'sendTestPing'],
      ['replayWebhookDeliveries', `/v1/webhooks/${ID}/replay`, { deliveryId: 'msg_1' }, 'replayDeliveries'],
    ] as const)('%s: a Coffer conflict (ALREADY_EXISTS + code) is 409', async (_operationId, path, body, rpc) => {
      gateway.service.fail(rpc, errors.conflict('The subscription is disabled.'));
      await expectProblem(await gateway.request('POST', path, { body }), 409, 'conflict', 'The subscription is disabled.');
    });

    it('pingWebhook: FAILED_PRECONDITION is 412 precondition_failed by the platform table, not 409', async () => {
      gateway.service.fail('sendTestPing', new AppError('precondition_failed', { detail: 'The subscription is disabled.' }));
      await expectProblem(await gateway.request('POST', `/v1/webhooks/${ID}/ping`), 412, 'precondition_failed', 'The subscription is disabled.');
      gateway.service.failWithStatus('sendTestPing', GrpcStatus.FAILED_PRECONDITION);
      await expectProblem(await gateway.request('POST', `/v1/webhooks/${ID}/ping`), 412, 'precondition_failed', 'Precondition failed');
    });
  });

  describe('5xx', () => {
    it('never passes on an internal error of WebhookService', async () => {
      gateway.service.fail('listSubscriptions', new Error('pg: password authentication failed for webhook'));
      const response = await gateway.request('GET', '/v1/webhooks');
      expect(response.status).toBe(500);
      const body = await response.text();
      expect(body).not.toContain('password');
      // An upstream INTERNAL carries only its generic title, never the service's message.
      expect(JSON.parse(body)).toMatchObject({ status: 500, code: 'internal', detail: 'Internal error' });
    });

    it('answers 503 with Retry-After when WebhookService is unavailable', async () => {
      gateway.service.failWithStatus('listDeliveries', GrpcStatus.UNAVAILABLE);
      const response = await gateway.request('GET', `/v1/webhooks/${ID}/deliveries`);
      await expectProblem(response, 503, 'unavailable');
      expect(response.headers.get('retry-after')).toBe('1');
    });
  });
});
