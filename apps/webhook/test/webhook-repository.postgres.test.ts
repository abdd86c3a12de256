import { createDatabase, migrate, type Database } from '@coffer/db';
import { createTemporaryPostgresDatabase, type TemporaryPostgresDatabase } from '@coffer/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WEBHOOK_SCHEMA, webhookMigrations } from '../src/subscriptions/webhook-migrations.js';
import { KnexWebhookRepository } from '../src/subscriptions/webhook-repository.js';
import { webhookRepositoryContract } from './webhook-repository.contract.js';
import { at, clearWebhooks, newDelivery, newId, subscriptionRecord } from './webhook-test.fixture.js';

// A fresh database per run on the real server, dropped afterwards, so runs never see each
// other's rows or schema. A server that does not answer fails the file; it is never skipped.
let database: TemporaryPostgresDatabase | undefined;
const databaseUrl = (): string => {
  if (!database) throw new Error('the temporary database is not ready');
  return database.url;
};

beforeAll(async () => {
  database = await createTemporaryPostgresDatabase('webhook_repo');
});

afterAll(async () => {
  await database?.drop();
});

describe('KnexWebhookRepository on PostgreSQL (real server)', () => {
  webhookRepositoryContract(() => createDatabase(databaseUrl(), { pool: { max: 8 } }));
});

describe('KnexWebhookRepository on PostgreSQL: real concurrency', () => {
  let db: Database | undefined;
  let repository: KnexWebhookRepository;

  beforeAll(async () => {
    db = await createDatabase(databaseUrl(), { pool: { max: 12 } });
    await migrate(db, { schema: WEBHOOK_SCHEMA, migrations: webhookMigrations });
  });

  afterAll(async () => {
    await db?.close();
  });

  beforeEach(async () => {
    if (db === undefined) throw new Error('the database did not open');
    await clearWebhooks(db);
    repository = new KnexWebhookRepository(db);
  });

  /** Opens all 12 pool connections first, so the racers start together rather than one per new connection. */
  const warmPool = async (): Promise<void> => {
    if (db === undefined) throw new Error('the database did not open');
    const knex = db.knex;
    await Promise.all(Array.from({ length: 12 }, () => knex.raw('select pg_sleep(0.05)')));
  };

  it('lets exactly one of 10 parallel creations take the last slot (each on its own connection)', async () => {
    const max = 5;
    for (let race = 0; race < 5; race += 1) {
      const owner = newId();
      for (let i = 0; i < max - 1; i += 1) await repository.createSubscription(subscriptionRecord(owner, { createdAt: at(i) }), max);
      for (let round = 0; round < 2; round += 1) {
        await warmPool();
        const results = await Promise.allSettled(Array.from({ length: 10 }, () => repository.createSubscription(subscriptionRecord(owner), max)));
        expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(round === 0 ? 1 : 0);
        for (const result of results) if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'conflict' });
      }
      expect(await repository.listSubscriptions(owner)).toHaveLength(max);
    }
  });

  it('never hands one delivery to two concurrent claims (SKIP LOCKED), and every due delivery to one of them', async () => {
    const subscriptions = await Promise.all(Array.from({ length: 4 }, () => repository.createSubscription(subscriptionRecord(newId()), 10)));
    const deliveries = subscriptions.flatMap((subscription) => Array.from({ length: 60 }, (_, i) => newDelivery(subscription.id, { createdAt: at(i) })));
    expect(await repository.insertDeliveries(deliveries)).toBe(240);
    const now = at(10_000);
    const lease = at(70_000);
    const seen: string[] = [];
    await warmPool();
    for (let round = 0; round < 50; round += 1) {
      // Two claims at a time, repeatedly, plus a burst of ten in the first round.
      const claims = await Promise.all(Array.from({ length: round === 0 ? 10 : 2 }, () => repository.claimDue(now, lease, 7)));
      const ids = claims.flat().map((delivery) => delivery.id);
      seen.push(...ids);
      if (ids.length === 0) break;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(deliveries.map((delivery) => delivery.id).sort());
  });

  it('skips a delivery another claim holds locked instead of waiting for it', async () => {
    if (db === undefined) throw new Error('the database did not open');
    const subscription = await repository.createSubscription(subscriptionRecord(newId()), 10);
    const [held, free] = [newDelivery(subscription.id, { createdAt: at(0) }), newDelivery(subscription.id, { createdAt: at(1) })];
    await repository.insertDeliveries([held, free]);
    // A worker mid-claim: its transaction holds the row lock of `held` and has not committed.
    const trx = await db.knex.transaction();
    try {
      await trx.raw(`select id from ${WEBHOOK_SCHEMA}.deliveries where id = ? for update`, [held.id]);
      let timer: NodeJS.Timeout | undefined;
      const blocked = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('claimDue waited for a locked row')), 5_000);
      });
      const claimed = await Promise.race([repository.claimDue(at(10), at(60_000), 10), blocked]).finally(() => clearTimeout(timer));
      expect(claimed.map((delivery) => delivery.id)).toEqual([free.id]);
    } finally {
      await trx.rollback();
    }
    expect((await repository.claimDue(at(10), at(60_000), 10)).map((delivery) => delivery.id)).toEqual([held.id]);
  });
});
