import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '@coffer/db';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PurgeJob } from './purge-job.js';
import { KnexUserRepository } from './user-repository.js';
import { capturingLogger, clearUsers, DAY_MS, openMigratedPglite, PGLITE_START_TIMEOUT_MS, TestClock } from './user-test.fixture.js';

let db: Database | undefined;
let clock: TestClock;
let repository: KnexUserRepository;

function database(): Database {
  if (db === undefined) throw new Error('the database did not open');
  return db;
}

beforeAll(async () => {
  db = await openMigratedPglite();
}, PGLITE_START_TIMEOUT_MS);

afterAll(async () => {
  await db?.close();
});

beforeEach(async () => {
  await clearUsers(database());
  clock = new TestClock();
  repository = new KnexUserRepository(database(), { now: clock.now });
});

/** Waits until `condition` holds, polling; fails after `timeoutMs`. */
async function eventually(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describe('PurgeJob.runOnce', () => {
  it('purges only accounts deleted longer than the grace period, by the injected clock, and logs the count', async () => {
    const log = capturingLogger();
    const job = new PurgeJob({ repository, logger: log.logger, graceDays: 30, intervalMs: 60_000, now: clock.now });
    const old = await repository.create({ email: 'old@example.com', displayName: 'Old', admin: false });
    const recent = await repository.create({ email: 'recent@example.com', displayName: 'Recent', admin: false });
    const live = await repository.create({ email: 'live@example.com', displayName: 'Live', admin: false });
    await repository.softDelete(old.id);
    clock.advance(10 * DAY_MS);
    await repository.softDelete(recent.id);

    clock.advance(20 * DAY_MS - 1); // old was deleted 30 days minus 1 ms ago
    expect(await job.runOnce()).toBe(0);
    clock.advance(2);
    expect(job.cutoff()).toEqual(new Date(clock.now().getTime() - 30 * DAY_MS));
    expect(await job.runOnce()).toBe(1);
    expect(await repository.findById(old.id, { includeDeleted: true })).toBeUndefined();
    expect(await repository.findById(recent.id, { includeDeleted: true })).toBeDefined();
    clock.advance(10 * DAY_MS);
    expect(await job.runOnce()).toBe(1);
    expect(await repository.findById(live.id)).toEqual(live);

    expect(log.lines().map((line) => [line['msg'], line['purged']])).toEqual([
      ['purged deleted accounts', 0],
      ['purged deleted accounts', 1],
      ['purged deleted accounts', 1],
    ]);
  });

  it('with a grace period of 0 days purges everything deleted before now', async () => {
    const job = new PurgeJob({ repository, logger: capturingLogger().logger, graceDays: 0, intervalMs: 1_000, now: clock.now });
    const user = await repository.create({ email: 'ada@example.com', displayName: 'Ada', admin: false });
    await repository.softDelete(user.id);
    expect(await job.runOnce()).toBe(0); // deleted at this very millisecond
    clock.advance(1);
    expect(await job.runOnce()).toBe(1);
  });
});

describe('PurgeJob timer', () => {
  it('runs at once, then every interval, and stops on stop()', async () => {
    const log = capturingLogger();
    const job = new PurgeJob({ repository, logger: log.logger, graceDays: 1, intervalMs: 20, now: clock.now });
    const user = await repository.create({ email: 'ada@example.com', displayName: 'Ada', admin: false });
    await repository.softDelete(user.id);
    clock.advance(2 * DAY_MS);
    const runs = () => log.lines().filter((line) => line['msg'] === 'purged deleted accounts');

    job.start();
    job.start(); // a second start does not add a second timer
    await eventually(() => runs().length >= 3);
    await job.stop();
    const afterStop = runs().length;
    expect(runs()[0]?.['purged']).toBe(1);
    expect(runs().slice(1).every((line) => line['purged'] === 0)).toBe(true);
    await sleep(100);
    expect(runs()).toHaveLength(afterStop);
  });

  it('logs a failed run and keeps going', async () => {
    const broken = await openMigratedPglite();
    await broken.close(); // every query now fails `unavailable`
    const log = capturingLogger();
    const job = new PurgeJob({ repository: new KnexUserRepository(broken), logger: log.logger, graceDays: 1, intervalMs: 10 });
    job.start();
    const failures = () => log.lines().filter((line) => line['msg'] === 'purging deleted accounts failed');
    await eventually(() => failures().length >= 2);
    await job.stop();
    expect(failures()[0]).toMatchObject({ level: 'error', err: { code: 'unavailable' } });
  }, PGLITE_START_TIMEOUT_MS);

  it('refuses a negative grace period or a bad interval', () => {
    const logger = capturingLogger().logger;
    expect(() => new PurgeJob({ repository, logger, graceDays: -1, intervalMs: 1_000 })).toThrow(RangeError);
    expect(() => new PurgeJob({ repository, logger, graceDays: 1, intervalMs: 0 })).toThrow(RangeError);
    expect(() => new PurgeJob({ repository, logger, graceDays: 1, intervalMs: 1.5 })).toThrow(RangeError);
  });
});
