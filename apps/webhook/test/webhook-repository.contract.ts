import { listAppliedMigrations, migrate, type Database } from '@coffer/db';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WEBHOOK_SCHEMA, webhookMigrations } from '../src/subscriptions/webhook-migrations.js';
import { KnexWebhookRepository, type ClaimedDelivery, type DeliveryPageRequest, type DeliveryRecord } from '../src/subscriptions/webhook-repository.js';
import { at, clearWebhooks, endpointDisabledEvent, forceDeliveryState, newDelivery, newId, outboxEntries, subscriptionRecord, T0 } from './webhook-test.fixture.js';

const CONFLICT = { code: 'conflict' };
const LEASE_MS = 60_000;

/**
 * The behaviour every {@link KnexWebhookRepository} database must show. Registers its tests in
 * the calling `describe`; `openDatabase` gives an empty database, which the suite migrates and
 * closes at the end. Every date is explicit: the repository takes `now` as an argument.
 */
export function webhookRepositoryContract(openDatabase: () => Promise<Database>): void {
  let db: Database | undefined;
  let repository: KnexWebhookRepository;
  let owner: string;

  const database = (): Database => {
    if (db === undefined) throw new Error('the database did not open');
    return db;
  };

  beforeAll(async () => {
    db = await openDatabase();
    await migrate(db, { schema: WEBHOOK_SCHEMA, migrations: webhookMigrations });
  });

  afterAll(async () => {
    await db?.close();
  });

  beforeEach(async () => {
    await clearWebhooks(database());
    repository = new KnexWebhookRepository(database());
    owner = newId();
  });

  const countDeliveries = async (subscriptionId?: string): Promise<number> => {
    const query = database().knex.withSchema(WEBHOOK_SCHEMA).table('deliveries');
    if (subscriptionId !== undefined) void query.where({ subscription_id: subscriptionId });
    const rows = (await query.count<{ count: string }[]>('* as count')) as { count: string }[];
    return Number(rows[0]?.count ?? 0);
  };

  /** A stored, enabled subscription of `ownerId` (the contract's own owner by default). */
  const stored = (overrides: Parameters<typeof subscriptionRecord>[1] = {}, ownerId = owner) => repository.createSubscription(subscriptionRecord(ownerId, overrides), 100);

  /** Inserts one delivery and returns it as read back. */
  const delivered = async (subscriptionId: string, overrides: Parameters<typeof newDelivery>[1] = {}): Promise<DeliveryRecord> => {
    const delivery = newDelivery(subscriptionId, overrides);
    expect(await repository.insertDeliveries([delivery])).toBe(1);
    const record = await repository.getDelivery(delivery.id);
    if (record === undefined) throw new Error('the delivery was not stored');
    return record;
  };

  /** Claims exactly the one due delivery with this id (fails the test otherwise). */
  const claimOne = async (id: string, now: Date): Promise<ClaimedDelivery> => {
    const claimed = await repository.claimDue(now, new Date(now.getTime() + LEASE_MS), 100);
    const match = claimed.find((delivery) => delivery.id === id);
    if (match === undefined) throw new Error(`delivery ${id} was not claimed at ${now.toISOString()}`);
    return match;
  };

  describe('migrations', () => {
    it('are recorded, and running them again (twice) applies nothing', async () => {
      for (let run = 0; run < 2; run += 1) {
        const again = await migrate(database(), { schema: WEBHOOK_SCHEMA, migrations: webhookMigrations });
        expect(again.applied).toEqual([]);
      }
      const applied = await listAppliedMigrations(database(), WEBHOOK_SCHEMA);
      expect(applied.map((migration) => migration.name)).toEqual(['0001_create_subscriptions_and_deliveries', '0002_create_outbox']);
      // Still usable after the second run.
      expect((await stored()).ownerId).toBe(owner);
    });
  });

  describe('subscriptions', () => {
    it('creates a subscription and reads it back unchanged: event types, dates, the sealed secrets as given', async () => {
      const record = subscriptionRecord(owner, {
        eventTypes: ['file.uploaded', 'share.*', 'file.deleted'],
        description: 'ünïcode & "quotes"',
        sealedPreviousSecret: 'v1.k0.previous-sealed',
        previousSecretExpiresAt: at(86_400_000),
        createdAt: at(1),
        updatedAt: at(2),
      });
      const created = await repository.createSubscription(record, 10);
      expect(created).toEqual(record);
      expect(created.eventTypes).toEqual(['file.uploaded', 'share.*', 'file.deleted']);
      expect(created.createdAt).toBeInstanceOf(Date);
      expect(await repository.getSubscription(record.id)).toEqual(record);
      const row = (await database().knex.withSchema(WEBHOOK_SCHEMA).table('subscriptions').where({ id: record.id }).first()) as Record<string, unknown>;
      expect(row).toMatchObject({ sealed_secret: record.sealedSecret, sealed_previous_secret: 'v1.k0.previous-sealed', failing_since: null });
      // A subscription stored disabled keeps its reason.
      const disabled = subscriptionRecord(owner, { enabled: false, disabledReason: 'owner', eventTypes: [] });
      expect(await repository.createSubscription(disabled, 10)).toEqual(disabled);
    });

    it('refuses one subscription over the per-owner maximum (conflict), writing nothing; other owners are not counted', async () => {
      for (let i = 0; i < 3; i += 1) await repository.createSubscription(subscriptionRecord(owner, { createdAt: at(i) }), 3);
      const refused = subscriptionRecord(owner);
      await expect(repository.createSubscription(refused, 3)).rejects.toMatchObject({ ...CONFLICT, detail: expect.stringContaining('3 webhook subscriptions') as unknown });
      expect(await repository.getSubscription(refused.id)).toBeUndefined();
      expect(await repository.listSubscriptions(owner)).toHaveLength(3);
      const other = newId();
      expect((await repository.createSubscription(subscriptionRecord(other), 3)).ownerId).toBe(other);
      // A freed slot can be taken again.
      const [first] = await repository.listSubscriptions(owner);
      expect(await repository.deleteSubscription(first?.id ?? '')).toBe(true);
      expect((await repository.createSubscription(refused, 3)).id).toBe(refused.id);
      await expect(repository.createSubscription(subscriptionRecord(owner), 3)).rejects.toMatchObject(CONFLICT);
    });

    it('finds no unknown subscription', async () => {
      await stored();
      expect(await repository.getSubscription(newId())).toBeUndefined();
    });

    it("lists the owner's subscriptions only, oldest first, ties by id", async () => {
      const [low, high] = [newId(), newId()].sort();
      if (low === undefined || high === undefined) throw new Error('no ids');
      const newest = await stored({ createdAt: at(2_000) });
      const tieHigh = await stored({ id: high, createdAt: at(1_000) });
      await stored({}, newId());
      const tieLow = await stored({ id: low, createdAt: at(1_000) });
      const oldest = await stored({ createdAt: at(-5_000) });
      const listed = await repository.listSubscriptions(owner);
      expect(listed.map((subscription) => subscription.id)).toEqual([oldest.id, tieLow.id, tieHigh.id, newest.id]);
      expect(listed[0]).toEqual(oldest);
      expect(await repository.listSubscriptions(newId())).toEqual([]);
    });

    it('updates each field on its own, leaving the others, and stamps updatedAt', async () => {
      const original = await stored({ sealedPreviousSecret: 'v1.k0.kept', previousSecretExpiresAt: at(9_999) });
      let expected = { ...original };
      const steps = [
        [{ url: 'https://other.example.com/hook' }, { url: 'https://other.example.com/hook' }],
        [{ eventTypes: ['file.restored'] }, { eventTypes: ['file.restored'] }],
        [{ eventTypes: [] }, { eventTypes: [] }],
        [{ description: 'renamed' }, { description: 'renamed' }],
        [{ sealedSecret: 'v1.k2.rotated' }, { sealedSecret: 'v1.k2.rotated' }],
        [{}, {}],
      ] as const;
      for (const [index, [change, effect]] of steps.entries()) {
        const now = at(1_000 * (index + 1));
        expected = { ...expected, ...effect, updatedAt: now };
        expect(await repository.updateSubscription(original.id, change, now)).toEqual(expected);
        expect(await repository.getSubscription(original.id)).toEqual(expected);
      }
      expect(await repository.updateSubscription(newId(), { description: 'x' }, at(10_000))).toBeUndefined();
    });

    it('sets the previous secret with its expiry, keeps it when not given, and clears it with null', async () => {
      const { id } = await stored();
      const set = await repository.updateSubscription(id, { sealedSecret: 'v1.k1.new', sealedPreviousSecret: 'v1.k1.old', previousSecretExpiresAt: at(3_600_000) }, at(1));
      expect(set).toMatchObject({ sealedSecret: 'v1.k1.new', sealedPreviousSecret: 'v1.k1.old', previousSecretExpiresAt: at(3_600_000) });
      expect(await repository.updateSubscription(id, { description: 'kept' }, at(2))).toMatchObject({ sealedPreviousSecret: 'v1.k1.old', previousSecretExpiresAt: at(3_600_000) });
      const cleared = await repository.updateSubscription(id, { sealedPreviousSecret: null, previousSecretExpiresAt: null }, at(3));
      expect(cleared).toMatchObject({ sealedSecret: 'v1.k1.new', sealedPreviousSecret: undefined, previousSecretExpiresAt: undefined });
      expect(await repository.getSubscription(id)).toEqual(cleared);
    });

    it("disables by its owner (reason 'owner'); enabling clears the reason and the failure streak", async () => {
      const subscription = await stored();
      const delivery = await delivered(subscription.id);
      await repository.recordFailure(await claimOne(delivery.id, at(10)), { statusCode: 500, error: 'boom', nextAttemptAt: at(100_000) }, at(10));
      expect(await repository.disableSubscription(subscription.id, 'failing', endpointDisabledEvent(subscription, 'failing', at(20)), at(20))).toBe(true);
      expect(await repository.getSubscription(subscription.id)).toMatchObject({ enabled: false, disabledReason: 'failing', failingSince: at(10) });

      const enabled = await repository.updateSubscription(subscription.id, { enabled: true }, at(30));
      expect(enabled).toMatchObject({ enabled: true, disabledReason: undefined, failingSince: undefined, updatedAt: at(30) });
      const byOwner = await repository.updateSubscription(subscription.id, { enabled: false }, at(40));
      expect(byOwner).toMatchObject({ enabled: false, disabledReason: 'owner', updatedAt: at(40) });
      expect(await repository.getSubscription(subscription.id)).toEqual(byOwner);
      expect(await repository.updateSubscription(subscription.id, { enabled: true }, at(50))).toMatchObject({ enabled: true, disabledReason: undefined });
    });

    it('deletes a subscription with its deliveries; a second delete finds nothing', async () => {
      const doomed = await stored();
      const kept = await stored();
      const [a, b] = [await delivered(doomed.id), await delivered(doomed.id)];
      const other = await delivered(kept.id);
      expect(await repository.deleteSubscription(doomed.id)).toBe(true);
      expect(await repository.getSubscription(doomed.id)).toBeUndefined();
      expect(await repository.getDelivery(a.id)).toBeUndefined();
      expect(await repository.getDelivery(b.id)).toBeUndefined();
      expect(await countDeliveries(doomed.id)).toBe(0);
      expect(await repository.getDelivery(other.id)).toEqual(other);
      expect(await repository.deleteSubscription(doomed.id)).toBe(false);
      expect(await repository.deleteSubscription(newId())).toBe(false);
    });

    it('gives the enabled subscriptions of the owners asked for, and of no one else', async () => {
      const [a, b, c] = [newId(), newId(), newId()];
      const aOn = await stored({}, a);
      await stored({ enabled: false, disabledReason: 'owner' }, a);
      const aTurnedOff = await stored({}, a);
      await repository.updateSubscription(aTurnedOff.id, { enabled: false }, at(1));
      const bOn = await stored({}, b);
      await stored({}, c);
      const found = await repository.enabledSubscriptionsOf([a, b, newId()]);
      expect(found.map((subscription) => subscription.id).sort()).toEqual([aOn.id, bOn.id].sort());
      expect(found.find((subscription) => subscription.id === aOn.id)).toEqual(aOn);
      expect(await repository.enabledSubscriptionsOf([])).toEqual([]);
      expect(await repository.enabledSubscriptionsOf([newId()])).toEqual([]);
    });
  });

  describe('deliveries: insert and claim', () => {
    it('inserts each (subscription, event) once and counts only the new rows', async () => {
      const subscription = await stored();
      const other = await stored();
      const batch = [newDelivery(subscription.id, { createdAt: at(5) }), newDelivery(subscription.id), newDelivery(other.id)];
      expect(await repository.insertDeliveries(batch)).toBe(3);
      const [first] = batch;
      if (first === undefined) throw new Error('empty batch');
      expect(await repository.getDelivery(first.id)).toEqual({
        id: first.id,
        subscriptionId: subscription.id,
        eventId: first.eventId,
        eventType: 'file.uploaded',
        payload: first.payload,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: at(5),
        lastStatusCode: undefined,
        lastError: undefined,
        createdAt: at(5),
        completedAt: undefined,
      });
      // The same events again (even under new delivery ids), plus the same event for another subscription.
      const again = batch.map((delivery) => newDelivery(delivery.subscriptionId, { eventId: delivery.eventId }));
      const sameEventElsewhere = newDelivery((await stored()).id, { eventId: first.eventId });
      expect(await repository.insertDeliveries([...again, sameEventElsewhere])).toBe(1);
      // A duplicate inside one batch counts once.
      const twice = newDelivery(subscription.id);
      expect(await repository.insertDeliveries([twice, { ...twice, id: newDelivery(subscription.id).id }])).toBe(1);
      expect(await countDeliveries()).toBe(5);
      expect(await repository.getDelivery(again[0]?.id ?? '')).toBeUndefined();
      expect(await repository.insertDeliveries([])).toBe(0);
    });

    it('claims only due, pending deliveries of enabled subscriptions, with their subscription, and leases them', async () => {
      const subscription = await stored();
      const disabled = await stored({ enabled: false, disabledReason: 'owner' });
      const dueLater = await delivered(subscription.id, { createdAt: at(1_000) });
      const dueFirst = await delivered(subscription.id, { createdAt: at(0) });
      const dueNow = await delivered(subscription.id, { createdAt: at(5_000) });
      await delivered(subscription.id, { createdAt: at(5_001) });
      const succeeded = await delivered(subscription.id, { createdAt: at(0) });
      await forceDeliveryState(database(), succeeded.id, { status: 'succeeded' });
      const dead = await delivered(subscription.id, { createdAt: at(0) });
      await forceDeliveryState(database(), dead.id, { status: 'dead' });
      await delivered(disabled.id, { createdAt: at(0) });

      const lease = at(5_000 + LEASE_MS);
      const claimed = await repository.claimDue(at(5_000), lease, 10);
      expect(claimed.map((delivery) => delivery.id).sort()).toEqual([dueFirst.id, dueLater.id, dueNow.id].sort());
      const claimedFirst = claimed.find((delivery) => delivery.id === dueFirst.id);
      expect(claimedFirst).toEqual({ ...dueFirst, nextAttemptAt: lease, subscription });
      for (const delivery of claimed) expect(await repository.getDelivery(delivery.id)).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: lease });
      expect(await repository.getDelivery(succeeded.id)).toMatchObject({ status: 'succeeded', nextAttemptAt: at(0) });
    });

    it('respects the limit, earliest due first, and claims nothing with a limit of 0', async () => {
      const subscription = await stored();
      const ids: string[] = [];
      for (const offset of [4, 0, 3, 1, 2]) ids[offset] = (await delivered(subscription.id, { createdAt: at(offset * 100) })).id;
      const now = at(10_000);
      const lease = at(10_000 + LEASE_MS);
      expect(await repository.claimDue(now, lease, 0)).toEqual([]);
      const batches: string[][] = [];
      for (let round = 0; round < 4; round += 1) batches.push((await repository.claimDue(now, lease, 2)).map((delivery) => delivery.id));
      expect(batches.map((batch) => batch.length)).toEqual([2, 2, 1, 0]);
      expect(batches.flat().sort()).toEqual([...ids].sort());
      expect(new Set(batches[0])).toEqual(new Set(ids.slice(0, 2)));
      expect(new Set(batches[1])).toEqual(new Set(ids.slice(2, 4)));
    });

    it('gives nothing to a second claim during the lease, and the same deliveries again once it ends', async () => {
      const subscription = await stored();
      const a = await delivered(subscription.id, { createdAt: at(0) });
      const b = await delivered(subscription.id, { createdAt: at(1) });
      const lease = at(LEASE_MS);
      expect((await repository.claimDue(at(10), lease, 10)).map((delivery) => delivery.id).sort()).toEqual([a.id, b.id].sort());
      expect(await repository.claimDue(at(10), lease, 10)).toEqual([]);
      expect(await repository.claimDue(at(LEASE_MS - 1), at(LEASE_MS * 2), 10)).toEqual([]);
      const reclaimed = await repository.claimDue(lease, at(LEASE_MS * 2), 10);
      expect(reclaimed.map((delivery) => delivery.id).sort()).toEqual([a.id, b.id].sort());
      expect(reclaimed.map((delivery) => delivery.attempts)).toEqual([0, 0]);
      expect(reclaimed.every((delivery) => delivery.nextAttemptAt.getTime() === at(LEASE_MS * 2).getTime())).toBe(true);
    });
  });

  describe('deliveries: outcomes', () => {
    it('records a success: succeeded, one more attempt, completed now, and the failure streak ends', async () => {
      const subscription = await stored();
      const delivery = await delivered(subscription.id);
      await repository.recordFailure(await claimOne(delivery.id, at(0)), { statusCode: 502, error: 'bad gateway', nextAttemptAt: at(1_000) }, at(0));
      expect((await repository.getSubscription(subscription.id))?.failingSince).toEqual(at(0));

      await repository.recordSuccess(await claimOne(delivery.id, at(1_000)), 204, at(1_500));
      expect(await repository.getDelivery(delivery.id)).toMatchObject({ status: 'succeeded', attempts: 2, lastStatusCode: 204, lastError: undefined, completedAt: at(1_500) });
      expect((await repository.getSubscription(subscription.id))?.failingSince).toBeUndefined();
      expect(await repository.claimDue(at(10_000_000), at(20_000_000), 10)).toEqual([]);
    });

    it('records a failure with a next attempt: pending again then, and reports the first failure of the streak', async () => {
      const subscription = await stored();
      const first = await delivered(subscription.id);
      const second = await delivered(subscription.id);
      const since = await repository.recordFailure(await claimOne(first.id, at(100)), { statusCode: 503, error: 'The endpoint answered 503.', nextAttemptAt: at(30_000) }, at(100));
      expect(since).toEqual(at(100));
      expect(await repository.getDelivery(first.id)).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 503, lastError: 'The endpoint answered 503.', nextAttemptAt: at(30_000), completedAt: undefined });
      expect((await repository.getSubscription(subscription.id))?.failingSince).toEqual(at(100));

      // Not due before its next attempt; due from then on.
      expect((await repository.claimDue(at(29_999), at(90_000), 10)).map((delivery) => delivery.id)).not.toContain(first.id);
      const later = await repository.recordFailure(await claimOne(first.id, at(30_000)), { statusCode: undefined, error: 'x'.repeat(2_000), nextAttemptAt: at(90_000) }, at(30_000));
      expect(later).toEqual(at(100));
      const stored2 = await repository.getDelivery(first.id);
      expect(stored2).toMatchObject({ status: 'pending', attempts: 2, lastStatusCode: undefined, nextAttemptAt: at(90_000) });
      expect(stored2?.lastError).toHaveLength(500);
      expect(stored2?.lastError?.endsWith('...')).toBe(true);

      // Another delivery of the same endpoint continues the same streak.
      expect(await repository.recordFailure(await claimOne(second.id, at(200_000)), { statusCode: 500, error: 'e', nextAttemptAt: at(300_000) }, at(200_000))).toEqual(at(100));
      expect((await repository.getSubscription(subscription.id))?.failingSince).toEqual(at(100));
    });

    it('records a failure without a next attempt as dead, never claimed again', async () => {
      const subscription = await stored();
      const delivery = await delivered(subscription.id);
      const since = await repository.recordFailure(await claimOne(delivery.id, at(50)), { statusCode: 400, error: 'The endpoint answered 400.', nextAttemptAt: undefined }, at(60));
      expect(since).toEqual(at(60));
      expect(await repository.getDelivery(delivery.id)).toMatchObject({ status: 'dead', attempts: 1, lastStatusCode: 400, lastError: 'The endpoint answered 400.', completedAt: at(60) });
      expect(await repository.claimDue(at(10_000_000), at(20_000_000), 10)).toEqual([]);
    });

    it('disables an endpoint once: pending deliveries die, one webhook.endpoint_disabled in the outbox', async () => {
      const subscription = await stored();
      const bystander = await stored();
      const pendingA = await delivered(subscription.id);
      const pendingB = await delivered(subscription.id);
      const done = await delivered(subscription.id);
      await forceDeliveryState(database(), done.id, { status: 'succeeded' });
      const untouched = await delivered(bystander.id);

      const event = endpointDisabledEvent(subscription, 'gone', at(700));
      expect(await repository.disableSubscription(subscription.id, 'gone', event, at(700))).toBe(true);
      expect(await repository.getSubscription(subscription.id)).toMatchObject({ enabled: false, disabledReason: 'gone', updatedAt: at(700) });
      for (const id of [pendingA.id, pendingB.id]) {
        const dead = await repository.getDelivery(id);
        expect(dead).toMatchObject({ status: 'dead', completedAt: at(700) });
        expect(dead?.lastError).toContain('endpoint disabled');
      }
      expect(await repository.getDelivery(done.id)).toMatchObject({ status: 'succeeded' });
      expect(await repository.getDelivery(untouched.id)).toEqual(untouched);

      const outbox = await outboxEntries(database());
      expect(outbox).toHaveLength(1);
      expect(outbox[0]).toEqual({ topic: 'coffer.webhook.v1', eventKey: subscription.id, event });
      expect(outbox[0]?.event.data).toEqual({ subscriptionId: subscription.id, ownerId: owner, url: subscription.url, reason: 'gone' });

      // Already disabled: no change, no second event.
      expect(await repository.disableSubscription(subscription.id, 'failing', endpointDisabledEvent(subscription, 'failing', at(800)), at(800))).toBe(false);
      expect(await repository.getSubscription(subscription.id)).toMatchObject({ disabledReason: 'gone', updatedAt: at(700) });
      // Disabled by its owner, or unknown: nothing either.
      const ownerDisabled = await stored({ enabled: false, disabledReason: 'owner' });
      expect(await repository.disableSubscription(ownerDisabled.id, 'gone', endpointDisabledEvent(ownerDisabled, 'gone', at(900)), at(900))).toBe(false);
      expect(await repository.disableSubscription(newId(), 'gone', endpointDisabledEvent(subscription, 'gone', at(900)), at(900))).toBe(false);
      expect(await outboxEntries(database())).toHaveLength(1);
    });
  });

  describe('deliveries: listing and replays', () => {
    async function walk(subscriptionId: string, request: Omit<DeliveryPageRequest, 'after'>): Promise<DeliveryRecord[]> {
      const all: DeliveryRecord[] = [];
      let after: DeliveryPageRequest['after'];
      for (let pages = 0; pages < 200; pages += 1) {
        const page = await repository.listDeliveries(subscriptionId, { ...request, ...(after === undefined ? {} : { after }) });
        expect(page.length).toBeLessThanOrEqual(request.limit);
        all.push(...page);
        const last = page.at(-1);
        if (page.length < request.limit || last === undefined) return all;
        after = { createdAt: last.createdAt, id: last.id };
      }
      throw new Error('paging did not end');
    }

    const newestFirst = (a: DeliveryRecord, b: DeliveryRecord): number =>
      b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

    it('pages newest first, ties by id, without duplicates or gaps, with and without a status filter', async () => {
      const subscription = await stored();
      const other = await stored();
      // 23 deliveries over 4 instants (many share created_at), every third one dead.
      const deliveries: DeliveryRecord[] = [];
      for (let i = 0; i < 23; i += 1) {
        const delivery = await delivered(subscription.id, { createdAt: at(Math.floor(i / 6) * 1_000) });
        if (i % 3 === 0) await forceDeliveryState(database(), delivery.id, { status: 'dead' });
        deliveries.push({ ...delivery, status: i % 3 === 0 ? 'dead' : 'pending' });
      }
      await delivered(other.id, { createdAt: at(500) });
      const expected = [...deliveries].sort(newestFirst);
      expect(await repository.listDeliveries(subscription.id, { limit: 100 })).toEqual(expected);
      for (const limit of [1, 4, 6, 7, 23]) {
        const walked = await walk(subscription.id, { limit });
        expect(walked.map((delivery) => delivery.id)).toEqual(expected.map((delivery) => delivery.id));
      }
      const dead = expected.filter((delivery) => delivery.status === 'dead');
      expect(dead).toHaveLength(8);
      for (const limit of [1, 3, 8]) {
        expect((await walk(subscription.id, { status: 'dead', limit })).map((delivery) => delivery.id)).toEqual(dead.map((delivery) => delivery.id));
      }
      expect(await repository.listDeliveries(subscription.id, { status: 'succeeded', limit: 10 })).toEqual([]);
      expect(await repository.listDeliveries(newId(), { limit: 10 })).toEqual([]);
    });

    it('replays one delivery whatever its state: pending now, attempts 0, same id; not through another subscription', async () => {
      const subscription = await stored();
      const other = await stored();
      const dead = await delivered(subscription.id);
      await repository.recordFailure(await claimOne(dead.id, at(10)), { statusCode: 500, error: 'e', nextAttemptAt: undefined }, at(10));
      const succeeded = await delivered(subscription.id);
      await repository.recordSuccess(await claimOne(succeeded.id, at(20)), 200, at(20));
      const pending = await delivered(subscription.id);

      expect(await repository.replayDelivery(other.id, dead.id, at(500))).toBe(false);
      expect(await repository.getDelivery(dead.id)).toMatchObject({ status: 'dead', attempts: 1 });
      expect(await repository.replayDelivery(subscription.id, 'msg_unknown', at(500))).toBe(false);

      for (const id of [dead.id, succeeded.id, pending.id]) {
        expect(await repository.replayDelivery(subscription.id, id, at(1_000))).toBe(true);
        expect(await repository.getDelivery(id)).toMatchObject({ id, status: 'pending', attempts: 0, nextAttemptAt: at(1_000), completedAt: undefined });
      }
      expect(await repository.claimDue(at(999), at(2_000), 10)).toEqual([]);
      expect((await repository.claimDue(at(1_000), at(2_000), 10)).map((delivery) => delivery.id).sort()).toEqual([dead.id, succeeded.id, pending.id].sort());
    });

    it('replays only the dead deliveries created at or after `since`', async () => {
      const subscription = await stored();
      const other = await stored();
      const deadBefore = await delivered(subscription.id, { createdAt: at(999) });
      const deadAtSince = await delivered(subscription.id, { createdAt: at(1_000) });
      const deadAfter = await delivered(subscription.id, { createdAt: at(2_000) });
      const succeededAfter = await delivered(subscription.id, { createdAt: at(2_000) });
      const pendingAfter = await delivered(subscription.id, { createdAt: at(3_000) });
      const otherDead = await delivered(other.id, { createdAt: at(2_000) });
      for (const { id } of [deadBefore, deadAtSince, deadAfter, otherDead]) await forceDeliveryState(database(), id, { status: 'dead' });
      await forceDeliveryState(database(), succeededAfter.id, { status: 'succeeded' });

      expect(await repository.replayDeadSince(subscription.id, at(1_000), at(5_000))).toBe(2);
      for (const { id } of [deadAtSince, deadAfter]) {
        expect(await repository.getDelivery(id)).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: at(5_000), completedAt: undefined });
      }
      expect(await repository.getDelivery(deadBefore.id)).toMatchObject({ status: 'dead' });
      expect(await repository.getDelivery(succeededAfter.id)).toMatchObject({ status: 'succeeded' });
      expect(await repository.getDelivery(pendingAfter.id)).toEqual(pendingAfter);
      expect(await repository.getDelivery(otherDead.id)).toMatchObject({ status: 'dead' });
      expect(await repository.replayDeadSince(subscription.id, at(1_000), at(6_000))).toBe(0);
    });
  });

  describe('queue statistics', () => {
    it('is empty with no deliveries', async () => {
      await stored();
      expect(await repository.queueStats(T0)).toEqual({ depth: 0, oldestPendingAgeSeconds: 0, oldestDueAgeSeconds: 0 });
    });

    it('counts only pending deliveries of enabled subscriptions, and the age of the oldest of them', async () => {
      const subscription = await stored();
      const disabled = await stored();
      await delivered(subscription.id, { createdAt: at(0) });
      await delivered(subscription.id, { createdAt: at(4_000) });
      const succeeded = await delivered(subscription.id, { createdAt: at(-50_000) });
      await forceDeliveryState(database(), succeeded.id, { status: 'succeeded' });
      const dead = await delivered(subscription.id, { createdAt: at(-60_000) });
      await forceDeliveryState(database(), dead.id, { status: 'dead' });
      await delivered(disabled.id, { createdAt: at(-70_000) });
      await repository.updateSubscription(disabled.id, { enabled: false }, at(0));

      // Both are due since they were written: the older one is 12.5 s overdue.
      expect(await repository.queueStats(at(12_500))).toEqual({ depth: 2, oldestPendingAgeSeconds: 12.5, oldestDueAgeSeconds: 12.5 });
      // A claimed (leased) delivery is still in the queue, but no longer overdue: it is being sent.
      await repository.claimDue(at(5_000), at(65_000), 10);
      expect(await repository.queueStats(at(12_500))).toEqual({ depth: 2, oldestPendingAgeSeconds: 12.5, oldestDueAgeSeconds: 0 });
      // Once the lease runs out they are overdue again, counted from the lease's end.
      expect((await repository.queueStats(at(70_000))).oldestDueAgeSeconds).toBe(5);
      // Never negative.
      expect((await repository.queueStats(at(-1_000))).oldestPendingAgeSeconds).toBe(0);
    });
  });
}
