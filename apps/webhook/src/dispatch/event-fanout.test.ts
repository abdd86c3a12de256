import { randomUUID } from 'node:crypto';
import type { Database } from '@coffer/db';
import { createEvent, serializeEvent } from '@coffer/events';
import type { SecretSealer } from '@coffer/integrity';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KnexWebhookRepository } from '../subscriptions/webhook-repository.js';
import {
  allDeliveries,
  clearWebhooks,
  fileDeletedEvent,
  fileUploadedEvent,
  openMigratedPglite,
  PGLITE_START_TIMEOUT_MS,
  storeSubscription,
  testSealer,
} from '../webhook-test.fixture.js';
import { EventFanout } from './event-fanout.js';

const URL_OF_ENDPOINT = 'https://hooks.example.com/coffer';

let db: Database;
let repository: KnexWebhookRepository;
let sealer: SecretSealer;
let fanout: EventFanout;
let wakes: number;

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
  wakes = 0;
  fanout = new EventFanout({ repository, onNewDeliveries: () => void wakes++ });
});

function subscribe(ownerId: string, eventTypes: readonly string[]) {
  return storeSubscription(repository, sealer, { url: URL_OF_ENDPOINT, ownerId, eventTypes });
}

describe('EventFanout', () => {
  it("creates one delivery per subscription of the event's owner that selects its type, carrying the event as JSON", async () => {
    const owner = randomUUID();
    const exact = await subscribe(owner, ['file.uploaded']);
    const everything = await subscribe(owner, ['*']);
    await subscribe(owner, ['share.granted', 'file.deleted']);
    const event = fileUploadedEvent(owner);

    expect(await fanout.fanOut([event])).toBe(2);
    const rows = await allDeliveries(db);
    expect(rows.map((row) => row.subscription_id).sort()).toEqual([exact.subscription.id, everything.subscription.id].sort());
    for (const row of rows) {
      expect(row).toMatchObject({ event_id: event.id, status: 'pending', attempts: 0, payload: serializeEvent(event) });
      expect(row.id).toMatch(/^msg_[0-9a-f]{32}$/);
    }
    expect(new Set(rows.map((row) => row.id)).size).toBe(2);
    expect(wakes).toBe(1);
  });

  it("gives a stranger's subscription nothing, even one selecting every type", async () => {
    const owner = randomUUID();
    await subscribe(randomUUID(), ['*']);

    expect(await fanout.fanOut([fileUploadedEvent(owner)])).toBe(0);
    expect(await allDeliveries(db)).toHaveLength(0);
    expect(wakes).toBe(0);
  });

  it('delivers to the actor as well as to the owner, since both may see the event', async () => {
    const owner = randomUUID();
    const actor = randomUUID();
    const ownerSubscription = await subscribe(owner, ['file.*']);
    const actorSubscription = await subscribe(actor, ['file.*']);

    expect(await fanout.fanOut([fileDeletedEvent(owner, actor)])).toBe(2);
    expect((await allDeliveries(db)).map((row) => row.subscription_id).sort()).toEqual([ownerSubscription.subscription.id, actorSubscription.subscription.id].sort());
  });

  it('gives a disabled subscription nothing', async () => {
    const owner = randomUUID();
    const { subscription } = await subscribe(owner, ['*']);
    await repository.updateSubscription(subscription.id, { enabled: false }, new Date());

    expect(await fanout.fanOut([fileUploadedEvent(owner)])).toBe(0);
    expect(await allDeliveries(db)).toHaveLength(0);
  });

  it('matches a domain wildcard to the types of that domain only', async () => {
    const owner = randomUUID();
    const files = await subscribe(owner, ['file.*']);
    const shares = await subscribe(owner, ['share.*']);
    const uploaded = fileUploadedEvent(owner);
    const deleted = fileDeletedEvent(owner);

    expect(await fanout.fanOut([uploaded, deleted])).toBe(2);
    const rows = await allDeliveries(db);
    expect(rows.every((row) => row.subscription_id === files.subscription.id)).toBe(true);
    expect(rows.map((row) => row.event_id).sort()).toEqual([uploaded.id, deleted.id].sort());
    expect(rows.some((row) => row.subscription_id === shares.subscription.id)).toBe(false);
  });

  it('adds no second delivery when the same event is taken twice', async () => {
    const owner = randomUUID();
    await subscribe(owner, ['*']);
    const event = fileUploadedEvent(owner);

    expect(await fanout.fanOut([event])).toBe(1);
    expect(await fanout.fanOut([event])).toBe(0);
    expect(await allDeliveries(db)).toHaveLength(1);
    expect(wakes).toBe(1);
  });

  it('ignores webhook.ping events, which only test pings send', async () => {
    const owner = randomUUID();
    const { subscription } = await subscribe(owner, ['*']);
    const ping = createEvent({ type: 'webhook.ping', source: '/coffer/webhook', subject: subscription.id, data: { subscriptionId: subscription.id, ownerId: owner } });

    expect(await fanout.fanOut([ping])).toBe(0);
    expect(await allDeliveries(db)).toHaveLength(0);
    expect(wakes).toBe(0);
  });
});
