import { randomUUID } from 'node:crypto';
import type { webhookV1 } from '@coffer/contracts';
import type { Database } from '@coffer/db';
import { createEvent, platformEventSchemaRegistry, serializeEvent } from '@coffer/events';
import type { SecretSealer } from '@coffer/integrity';
import { isAppError, type ErrorCode } from '@coffer/platform';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AddressPolicy } from '../delivery/address-policy.js';
import { PinnedResolver } from '../delivery/pinned-resolver.js';
import { EventFanout } from '../dispatch/event-fanout.js';
import { WEBHOOK_SCHEMA } from '../subscriptions/webhook-migrations.js';
import { KnexWebhookRepository } from '../subscriptions/webhook-repository.js';
import {
  allDeliveries,
  clearWebhooks,
  fileUploadedEvent,
  openMigratedPglite,
  PGLITE_START_TIMEOUT_MS,
  queueDelivery,
  staticResolve,
  testSealer,
  TestClock,
} from '../webhook-test.fixture.js';
import { WebhookOperations, type WebhookOperationsDeps } from './webhook-operations.js';

const ENDPOINT = 'https://hooks.example.com/coffer';
const INTERNAL_ENDPOINT = 'https://intranet.example.com/hook';

let db: Database;
let repository: KnexWebhookRepository;
let sealer: SecretSealer;
let queued: number;

beforeAll(async () => {
  db = await openMigratedPglite();
  repository = new KnexWebhookRepository(db);
  sealer = testSealer();
}, PGLITE_START_TIMEOUT_MS);

afterAll(async () => {
  await db.close();
});

beforeEach(async () => {
  await clearWebhooks(db);
  queued = 0;
});

/** The operations as main.ts wires them, with DNS answered from a table (hooks.example.com is public, intranet.example.com private). */
function operations(overrides: Partial<WebhookOperationsDeps> = {}, allow: readonly string[] = []): WebhookOperations {
  const onQueued = (): void => void queued++;
  return new WebhookOperations({
    repository,
    sealer,
    fanout: new EventFanout({ repository, onNewDeliveries: onQueued }),
    resolver: new PinnedResolver({
      policy: new AddressPolicy({ allow }),
      resolve: staticResolve({ 'hooks.example.com': [{ address: '93.184.216.34', family: 4 }], 'intranet.example.com': [{ address: '10.1.2.3', family: 4 }] }),
    }),
    registry: platformEventSchemaRegistry(),
    acceptsPublishedEvents: true,
    allowHttp: false,
    maxSubscriptionsPerUser: 5,
    onQueued,
    ...overrides,
  });
}

/** The code of the AppError `action` rejects with. */
async function codeOf(action: Promise<unknown>): Promise<ErrorCode> {
  try {
    await action;
  } catch (error) {
    if (isAppError(error)) return error.code;
    throw error;
  }
  throw new Error('expected the operation to be refused');
}

async function create(ops: WebhookOperations, actorId: string, request: Partial<webhookV1.CreateSubscriptionRequest> = {}): Promise<webhookV1.CreateSubscriptionResponse & { subscription: webhookV1.Subscription }> {
  const response = await ops.createSubscription({ actorId, url: ENDPOINT, eventTypes: ['file.*'], description: 'test', ...request });
  if (response.subscription === undefined) throw new Error('no subscription in the response');
  return { ...response, subscription: response.subscription };
}

async function setDeliveryStatus(id: string, status: 'dead' | 'succeeded'): Promise<void> {
  await db.knex.withSchema(WEBHOOK_SCHEMA).table('deliveries').where({ id }).update({ status, attempts: 3, completed_at: new Date() });
}

describe('WebhookOperations.createSubscription', () => {
  it('returns a whsec_ secret once and stores it only sealed', async () => {
    const ops = operations();
    const owner = randomUUID();
    const { subscription, secret } = await create(ops, owner);

    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(subscription).toMatchObject({ ownerId: owner, url: ENDPOINT, eventTypes: ['file.*'], enabled: true, description: 'test' });
    const stored = await repository.getSubscription(subscription.id);
    if (stored === undefined) throw new Error('not stored');
    expect(stored.sealedSecret).not.toBe(secret);
    expect(stored.sealedSecret).not.toContain(secret.slice('whsec_'.length));
    expect(sealer.open(stored.sealedSecret, subscription.id)).toBe(secret);
    expect(JSON.stringify(await ops.getSubscription({ actorId: owner, id: subscription.id }))).not.toContain(secret);
  });

  it.each([
    ['a private address', 'https://10.0.0.1/hook'],
    ['a loopback address', 'https://127.0.0.1/hook'],
    ['IPv6 loopback', 'https://[::1]/hook'],
    ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/hook'],
    ['a name that resolves to a private address', INTERNAL_ENDPOINT],
  ])('refuses a URL that points at %s with invalid_argument', async (_what, url) => {
    const owner = randomUUID();
    expect(await codeOf(operations().createSubscription({ actorId: owner, url, eventTypes: ['*'], description: '' }))).toBe('invalid_argument');
    expect(await repository.listSubscriptions(owner)).toHaveLength(0);
  });

  it('accepts a loopback URL when the deployment allowlists it', async () => {
    const { subscription } = await create(operations({ allowHttp: true }, ['127.0.0.0/8']), randomUUID(), { url: 'http://127.0.0.1:8080/hook' });
    expect(subscription.url).toBe('http://127.0.0.1:8080/hook');
  });

  it('refuses http unless the deployment allows it', async () => {
    const url = 'http://hooks.example.com/coffer';
    expect(await codeOf(operations({ allowHttp: false }).createSubscription({ actorId: randomUUID(), url, eventTypes: ['*'], description: '' }))).toBe('invalid_argument');
    expect((await create(operations({ allowHttp: true }), randomUUID(), { url })).subscription.url).toBe(url);
  });

  it('refuses an event type that is not in the catalog', async () => {
    const ops = operations();
    expect(await codeOf(ops.createSubscription({ actorId: randomUUID(), url: ENDPOINT, eventTypes: ['file.exploded'], description: '' }))).toBe('invalid_argument');
    expect(await codeOf(ops.createSubscription({ actorId: randomUUID(), url: ENDPOINT, eventTypes: ['webhook.ping'], description: '' }))).toBe('invalid_argument');
  });

  it('refuses a subscription beyond the per-user maximum with conflict', async () => {
    const ops = operations({ maxSubscriptionsPerUser: 2 });
    const owner = randomUUID();
    await create(ops, owner);
    await create(ops, owner);
    expect(await codeOf(create(ops, owner))).toBe('conflict');
    expect(await repository.listSubscriptions(owner)).toHaveLength(2);
    await create(ops, randomUUID());
  });
});

describe("WebhookOperations: another user's subscription is not found", () => {
  const refusals: ReadonlyArray<[string, (ops: WebhookOperations, actorId: string, id: string) => Promise<unknown>]> = [
    ['getSubscription', (ops, actorId, id) => ops.getSubscription({ actorId, id })],
    ['updateSubscription', (ops, actorId, id) => ops.updateSubscription({ actorId, id, url: 'https://hooks.example.com/stolen', eventTypes: ['*'], enabled: false, description: 'stolen' })],
    ['deleteSubscription', (ops, actorId, id) => ops.deleteSubscription({ actorId, id })],
    ['rotateSecret', (ops, actorId, id) => ops.rotateSecret({ actorId, id, overlapSeconds: 0 })],
    ['sendTestPing', (ops, actorId, id) => ops.sendTestPing({ actorId, id })],
    ['listDeliveries', (ops, actorId, id) => ops.listDeliveries({ actorId, subscriptionId: id, status: '', pageSize: 0, pageToken: '' })],
    ['replayDeliveries', (ops, actorId, id) => ops.replayDeliveries({ actorId, subscriptionId: id, deliveryId: '', since: new Date(0) })],
  ];

  it.each(refusals)('%s refuses another user and changes nothing', async (_name, call) => {
    const ops = operations();
    const owner = randomUUID();
    const { subscription } = await create(ops, owner);
    const before = await repository.getSubscription(subscription.id);

    expect(await codeOf(call(ops, randomUUID(), subscription.id))).toBe('not_found');
    expect(await repository.getSubscription(subscription.id)).toEqual(before);
    expect(await allDeliveries(db)).toHaveLength(0);
    expect(queued).toBe(0);
    // The same call by the owner goes through: the refusal was about who asked.
    await call(ops, owner, subscription.id);
  });

  it('answers a missing subscription and a malformed id the same way', async () => {
    const ops = operations();
    expect(await codeOf(ops.getSubscription({ actorId: randomUUID(), id: randomUUID() }))).toBe('not_found');
    expect(await codeOf(ops.getSubscription({ actorId: randomUUID(), id: 'not-a-uuid' }))).toBe('not_found');
  });

  it("lists only the actor's own subscriptions", async () => {
    const ops = operations();
    const owner = randomUUID();
    const { subscription } = await create(ops, owner);
    await create(ops, randomUUID());
    expect((await ops.listSubscriptions({ actorId: owner })).subscriptions.map((listed) => listed.id)).toEqual([subscription.id]);
  });
});

describe('WebhookOperations.rotateSecret', () => {
  it('keeps the previous secret for the overlap', async () => {
    const clock = new TestClock();
    const ops = operations({ clock: clock.now });
    const owner = randomUUID();
    const { subscription, secret: oldSecret } = await create(ops, owner);

    const rotated = await ops.rotateSecret({ actorId: owner, id: subscription.id, overlapSeconds: 3_600 });
    const stored = await repository.getSubscription(subscription.id);
    if (stored?.sealedPreviousSecret === undefined) throw new Error('no previous secret');
    expect(rotated.secret).not.toBe(oldSecret);
    expect(sealer.open(stored.sealedSecret, subscription.id)).toBe(rotated.secret);
    expect(sealer.open(stored.sealedPreviousSecret, subscription.id)).toBe(oldSecret);
    expect(rotated.previousSecretExpiresAt?.getTime()).toBe(stored.previousSecretExpiresAt?.getTime());
    expect((stored.previousSecretExpiresAt?.getTime() ?? 0) - stored.updatedAt.getTime()).toBe(3_600_000);
  });

  it('with overlap 0 keeps no previous secret', async () => {
    const ops = operations();
    const owner = randomUUID();
    const { subscription } = await create(ops, owner);
    await ops.rotateSecret({ actorId: owner, id: subscription.id, overlapSeconds: 3_600 });

    const rotated = await ops.rotateSecret({ actorId: owner, id: subscription.id, overlapSeconds: 0 });
    expect(rotated.previousSecretExpiresAt).toBeUndefined();
    const stored = await repository.getSubscription(subscription.id);
    expect(stored?.sealedPreviousSecret).toBeUndefined();
    expect(stored?.previousSecretExpiresAt).toBeUndefined();
    expect(stored === undefined ? undefined : sealer.open(stored.sealedSecret, subscription.id)).toBe(rotated.secret);
  });
});

describe('WebhookOperations.sendTestPing', () => {
  it('queues a webhook.ping delivery for an enabled subscription', async () => {
    const ops = operations();
    const owner = randomUUID();
    const { subscription } = await create(ops, owner);
    const { deliveryId } = await ops.sendTestPing({ actorId: owner, id: subscription.id });
    expect(await repository.getDelivery(deliveryId)).toMatchObject({ subscriptionId: subscription.id, eventType: 'webhook.ping', status: 'pending' });
    expect(queued).toBe(1);
  });

  it('refuses to ping a disabled subscription with conflict', async () => {
    const ops = operations();
    const owner = randomUUID();
    const { subscription } = await create(ops, owner);
    await ops.updateSubscription({ actorId: owner, id: subscription.id, eventTypes: [], enabled: false });

    expect(await codeOf(ops.sendTestPing({ actorId: owner, id: subscription.id }))).toBe('conflict');
    expect(await allDeliveries(db)).toHaveLength(0);
  });
});

describe('WebhookOperations.replayDeliveries', () => {
  it('queues one delivery again under the same id', async () => {
    const ops = operations();
    const owner = randomUUID();
    const { subscription } = await create(ops, owner);
    const stored = await repository.getSubscription(subscription.id);
    if (stored === undefined) throw new Error('not stored');
    const delivery = await queueDelivery(repository, stored);
    await setDeliveryStatus(delivery.id, 'dead');

    expect(await ops.replayDeliveries({ actorId: owner, subscriptionId: subscription.id, deliveryId: delivery.id, since: undefined })).toEqual({ replayed: 1 });
    expect(await repository.getDelivery(delivery.id)).toMatchObject({ id: delivery.id, status: 'pending', attempts: 0, completedAt: undefined, payload: delivery.payload });
    expect(await allDeliveries(db)).toHaveLength(1);
    expect(queued).toBe(1);
  });

  it('with since, queues again only the dead deliveries created since then', async () => {
    const ops = operations();
    const owner = randomUUID();
    const { subscription } = await create(ops, owner);
    const stored = await repository.getSubscription(subscription.id);
    if (stored === undefined) throw new Error('not stored');
    const since = new Date(Date.now() - 60_000);
    const deadBefore = await queueDelivery(repository, stored, new Date(since.getTime() - 60_000));
    const deadSince = await queueDelivery(repository, stored);
    const succeeded = await queueDelivery(repository, stored);
    const pending = await queueDelivery(repository, stored);
    await setDeliveryStatus(deadBefore.id, 'dead');
    await setDeliveryStatus(deadSince.id, 'dead');
    await setDeliveryStatus(succeeded.id, 'succeeded');

    expect(await ops.replayDeliveries({ actorId: owner, subscriptionId: subscription.id, deliveryId: '', since })).toEqual({ replayed: 1 });
    expect(await repository.getDelivery(deadSince.id)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await repository.getDelivery(deadBefore.id)).toMatchObject({ status: 'dead', attempts: 3 });
    expect(await repository.getDelivery(succeeded.id)).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect(await repository.getDelivery(pending.id)).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('refuses neither or both of deliveryId and since with invalid_argument', async () => {
    const ops = operations();
    const owner = randomUUID();
    const { subscription } = await create(ops, owner);
    const stored = await repository.getSubscription(subscription.id);
    if (stored === undefined) throw new Error('not stored');
    const delivery = await queueDelivery(repository, stored);
    await setDeliveryStatus(delivery.id, 'dead');

    expect(await codeOf(ops.replayDeliveries({ actorId: owner, subscriptionId: subscription.id, deliveryId: '', since: undefined }))).toBe('invalid_argument');
    expect(await codeOf(ops.replayDeliveries({ actorId: owner, subscriptionId: subscription.id, deliveryId: delivery.id, since: new Date(0) }))).toBe('invalid_argument');
    expect((await repository.getDelivery(delivery.id))?.status).toBe('dead');
  });

  it("answers another subscription's delivery id with not_found", async () => {
    const ops = operations();
    const owner = randomUUID();
    const { subscription } = await create(ops, owner);
    const other = await create(ops, owner);
    const otherStored = await repository.getSubscription(other.subscription.id);
    if (otherStored === undefined) throw new Error('not stored');
    const delivery = await queueDelivery(repository, otherStored);
    await setDeliveryStatus(delivery.id, 'dead');

    expect(await codeOf(ops.replayDeliveries({ actorId: owner, subscriptionId: subscription.id, deliveryId: delivery.id, since: undefined }))).toBe('not_found');
    expect((await repository.getDelivery(delivery.id))?.status).toBe('dead');
  });
});

describe('WebhookOperations.listDeliveries', () => {
  it('pages through the deliveries newest first with page tokens', async () => {
    const ops = operations();
    const owner = randomUUID();
    const { subscription } = await create(ops, owner);
    const stored = await repository.getSubscription(subscription.id);
    if (stored === undefined) throw new Error('not stored');
    const start = Date.now() - 10_000;
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) ids.push((await queueDelivery(repository, stored, new Date(start + index * 1_000))).id);

    const seen: string[][] = [];
    let pageToken = '';
    do {
      const page = await ops.listDeliveries({ actorId: owner, subscriptionId: subscription.id, status: '', pageSize: 2, pageToken });
      seen.push(page.deliveries.map((delivery) => delivery.id));
      pageToken = page.nextPageToken;
    } while (pageToken !== '' && seen.length < 10);

    expect(seen).toEqual([
      [ids[4], ids[3]],
      [ids[2], ids[1]],
      [ids[0]],
    ]);
  });

  it('filters by status', async () => {
    const ops = operations();
    const owner = randomUUID();
    const { subscription } = await create(ops, owner);
    const stored = await repository.getSubscription(subscription.id);
    if (stored === undefined) throw new Error('not stored');
    const dead = await queueDelivery(repository, stored);
    await queueDelivery(repository, stored);
    await setDeliveryStatus(dead.id, 'dead');

    const page = await ops.listDeliveries({ actorId: owner, subscriptionId: subscription.id, status: 'dead', pageSize: 0, pageToken: '' });
    expect(page.deliveries.map((delivery) => delivery.id)).toEqual([dead.id]);
    expect(page.nextPageToken).toBe('');
  });

  it.each([
    ['not base64url', '!!!'],
    ['not JSON', Buffer.from('{nope', 'utf8').toString('base64url')],
    ['the wrong shape', Buffer.from(JSON.stringify([2, 0, 'msg_abc']), 'utf8').toString('base64url')],
    ['a bad delivery id', Buffer.from(JSON.stringify([1, 0, "x' or 1=1"]), 'utf8').toString('base64url')],
  ])('refuses a page token that is %s with invalid_argument', async (_what, pageToken) => {
    const ops = operations();
    const owner = randomUUID();
    const { subscription } = await create(ops, owner);
    expect(await codeOf(ops.listDeliveries({ actorId: owner, subscriptionId: subscription.id, status: '', pageSize: 2, pageToken }))).toBe('invalid_argument');
  });
});

describe('WebhookOperations.publishEvents', () => {
  it('is refused with precondition_failed when events come from Kafka', async () => {
    const owner = randomUUID();
    const ops = operations({ acceptsPublishedEvents: false });
    await create(ops, owner);
    expect(await codeOf(ops.publishEvents({ eventsJson: [serializeEvent(fileUploadedEvent(owner))] }))).toBe('precondition_failed');
    expect(await allDeliveries(db)).toHaveLength(0);
  });

  it.each([
    ['not JSON', '{"type":'],
    ['not a CloudEvent', JSON.stringify({ hello: 'world' })],
    ['invalid data for its type', serializeEvent(createEvent({ type: 'file.uploaded', source: '/coffer/metadata', subject: randomUUID(), data: { fileId: 'nope' } }))],
  ])('refuses an event that is %s with invalid_argument and stores nothing', async (_what, invalid) => {
    const owner = randomUUID();
    const ops = operations();
    await create(ops, owner, { eventTypes: ['*'] });
    expect(await codeOf(ops.publishEvents({ eventsJson: [serializeEvent(fileUploadedEvent(owner)), invalid] }))).toBe('invalid_argument');
    expect(await allDeliveries(db)).toHaveLength(0);
    expect(queued).toBe(0);
  });

  it("stores the deliveries of valid events for their owners' subscriptions", async () => {
    const owner = randomUUID();
    const ops = operations();
    const { subscription } = await create(ops, owner);
    const events = [fileUploadedEvent(owner), fileUploadedEvent(owner), fileUploadedEvent(randomUUID())];

    expect(await ops.publishEvents({ eventsJson: events.map(serializeEvent) })).toEqual({});
    const rows = await allDeliveries(db);
    expect(rows.map((row) => row.event_id).sort()).toEqual([events[0]?.id, events[1]?.id].sort());
    expect(rows.every((row) => row.subscription_id === subscription.id)).toBe(true);
    expect(queued).toBe(1);
  });
});
