import { listAppliedMigrations, migrate, withTransaction, type Database } from '@coffer/db';
import { AppError } from '@coffer/platform';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { USERS_SCHEMA, userMigrations } from '../src/users/user-migrations.js';
import { KnexUserRepository, type UserRecord } from '../src/users/user-repository.js';
import { writeUserEvents } from '../src/users/user-events.js';
import { clearUsers, DAY_MS, outboxEvents, outboxRows, TestClock } from '../src/users/user-test.fixture.js';

const EMAIL_IN_USE = { code: 'conflict', detail: 'email: is already in use.' };
const BAD_PAGE_TOKEN = { code: 'invalid_argument', detail: 'pageToken: is not valid.' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * The behaviour every {@link KnexUserRepository} database must show. Registers its tests in
 * the calling `describe`; `openDatabase` gives an empty database (or one with an empty or
 * missing `users` schema), which the suite migrates and closes at the end.
 */
export function userRepositoryContract(openDatabase: () => Promise<Database>): void {
  let db: Database | undefined;
  let clock: TestClock;
  let repository: KnexUserRepository;

  const database = (): Database => {
    if (db === undefined) throw new Error('the database did not open');
    return db;
  };

  beforeAll(async () => {
    db = await openDatabase();
    await migrate(db, { schema: USERS_SCHEMA, migrations: userMigrations });
  });

  afterAll(async () => {
    await db?.close();
  });

  beforeEach(async () => {
    await clearUsers(database());
    clock = new TestClock();
    repository = new KnexUserRepository(database(), { now: clock.now });
  });

  const create = (email: string, displayName = 'Ada Lovelace', admin = false): Promise<UserRecord> =>
    repository.create({ email, displayName, admin });

  describe('migrations', () => {
    it('are recorded, and running them again applies nothing', async () => {
      const again = await migrate(database(), { schema: USERS_SCHEMA, migrations: userMigrations });
      expect(again.applied).toEqual([]);
      expect(again.alreadyApplied).toEqual(userMigrations.map((migration) => migration.name));
      const applied = await listAppliedMigrations(database(), USERS_SCHEMA);
      expect(applied.map((migration) => migration.name)).toEqual(['0001_create_users', '0002_create_outbox']);
    });
  });

  describe('create and find', () => {
    it('stores a profile with a fresh UUID and the clock’s timestamps, exactly as read back', async () => {
      const created = await create('ada@example.com', 'Ada', true);
      expect(created).toEqual({
        id: expect.stringMatching(UUID) as unknown,
        email: 'ada@example.com',
        displayName: 'Ada',
        admin: true,
        createdAt: clock.now(),
        updatedAt: clock.now(),
        deletedAt: undefined,
      });
      expect(created.createdAt).toBeInstanceOf(Date);
      expect(await repository.findById(created.id)).toEqual(created);
      const other = await create('grace@example.com');
      expect(other.id).not.toBe(created.id);
      expect(other.admin).toBe(false);
    });

    it('finds nothing for an unknown id, a malformed id or an empty one (never a database error)', async () => {
      await create('ada@example.com');
      expect(await repository.findById('7d444840-9dc0-11d1-b245-5ffdce74fad2')).toBeUndefined();
      for (const id of ['', 'not-a-uuid', '1', "' or 1=1 --", '7d444840-9dc0-11d1-b245-5ffdce74fad2x']) {
        expect(await repository.findById(id)).toBeUndefined();
        expect(await repository.update(id, { displayName: 'X' })).toBeUndefined();
        expect(await repository.softDelete(id)).toBe(false);
        expect(await repository.purge(id)).toBe(false);
      }
    });

    it('finds a live profile by email case-insensitively, keeping the stored spelling', async () => {
      const created = await create('Ada.Lovelace@example.com');
      expect(await repository.findByEmail('ada.lovelace@EXAMPLE.com')).toEqual(created);
      expect((await repository.findByEmail('ADA.LOVELACE@example.com'))?.email).toBe('Ada.Lovelace@example.com');
      expect(await repository.findByEmail('nobody@example.com')).toBeUndefined();
    });

    it('refuses a second live account whose email differs only in case', async () => {
      await create('ada@example.com');
      await expect(create('ADA@Example.com')).rejects.toBeInstanceOf(AppError);
      await expect(create('ADA@Example.com')).rejects.toMatchObject(EMAIL_IN_USE);
      await expect(create('ada@example.com')).rejects.toMatchObject(EMAIL_IN_USE);
      expect(await repository.list({ pageSize: 10 })).toMatchObject({ users: [{ email: 'ada@example.com' }] });
    });
  });

  describe('update', () => {
    it('changes the display name and/or email and moves updatedAt only', async () => {
      const created = await create('ada@example.com', 'Ada');
      clock.advance(60_000);
      const renamed = await repository.update(created.id, { displayName: 'Countess Lovelace' });
      expect(renamed).toEqual({ ...created, displayName: 'Countess Lovelace', updatedAt: clock.now() });
      clock.advance(60_000);
      const moved = await repository.update(created.id, { email: 'countess@example.org', displayName: 'Ada L.' });
      expect(moved).toEqual({ ...created, email: 'countess@example.org', displayName: 'Ada L.', updatedAt: clock.now() });
      expect(await repository.findByEmail('ada@example.com')).toBeUndefined();
      expect(await repository.findByEmail('COUNTESS@example.org')).toEqual(moved);
    });

    it('returns the profile unchanged when nothing is to change', async () => {
      const created = await create('ada@example.com');
      clock.advance(1_000);
      expect(await repository.update(created.id, {})).toEqual(created);
    });

    it('lets a profile change the case of its own email', async () => {
      const created = await create('ada@example.com');
      expect(await repository.update(created.id, { email: 'Ada@example.com' })).toMatchObject({ email: 'Ada@example.com' });
    });

    it('refuses an email another live account has, in any case, and changes nothing', async () => {
      await create('ada@example.com');
      const grace = await create('grace@example.com', 'Grace');
      await expect(repository.update(grace.id, { email: 'ADA@example.com', displayName: 'Not Grace' })).rejects.toMatchObject(EMAIL_IN_USE);
      expect(await repository.findById(grace.id)).toEqual(grace);
    });

    it('finds no deleted or unknown profile to update', async () => {
      const created = await create('ada@example.com');
      await repository.softDelete(created.id);
      expect(await repository.update(created.id, { displayName: 'Ghost' })).toBeUndefined();
      expect(await repository.update(created.id, {})).toBeUndefined();
      expect(await repository.update('7d444840-9dc0-11d1-b245-5ffdce74fad2', { displayName: 'Ghost' })).toBeUndefined();
    });
  });

  describe('soft delete', () => {
    it('hides the profile from lookups and listing, except when deleted ones are asked for', async () => {
      const created = await create('ada@example.com');
      clock.advance(5_000);
      expect(await repository.softDelete(created.id)).toBe(true);
      expect(await repository.findById(created.id)).toBeUndefined();
      expect(await repository.findByEmail('ada@example.com')).toBeUndefined();
      expect((await repository.list({ pageSize: 10 })).users).toEqual([]);
      const deleted = { ...created, deletedAt: clock.now(), updatedAt: clock.now() };
      expect(await repository.findById(created.id, { includeDeleted: true })).toEqual(deleted);
      expect((await repository.list({ pageSize: 10, includeDeleted: true })).users).toEqual([deleted]);
    });

    it('is idempotent and keeps the first deletion time (the grace period does not restart)', async () => {
      const created = await create('ada@example.com');
      await repository.softDelete(created.id);
      const first = await repository.findById(created.id, { includeDeleted: true });
      clock.advance(DAY_MS);
      expect(await repository.softDelete(created.id)).toBe(true);
      expect(await repository.findById(created.id, { includeDeleted: true })).toEqual(first);
    });

    it('reports an unknown id', async () => {
      expect(await repository.softDelete('7d444840-9dc0-11d1-b245-5ffdce74fad2')).toBe(false);
    });

    it('frees the email: it can sign up again, in any case, more than once', async () => {
      const first = await create('ada@example.com', 'First');
      await repository.softDelete(first.id);
      const second = await create('ADA@example.com', 'Second');
      expect(second.id).not.toBe(first.id);
      expect(await repository.findByEmail('ada@example.com')).toEqual(second);
      await expect(create('Ada@Example.com')).rejects.toMatchObject(EMAIL_IN_USE);
      await repository.softDelete(second.id);
      const third = await create('ada@example.com', 'Third');
      expect(await repository.findByEmail('ada@example.com')).toEqual(third);
      expect((await repository.list({ pageSize: 10, includeDeleted: true })).users).toHaveLength(3);
    });

    it('frees the email for another account’s update too', async () => {
      const ada = await create('ada@example.com');
      const grace = await create('grace@example.com');
      await repository.softDelete(ada.id);
      expect(await repository.update(grace.id, { email: 'ada@example.com' })).toMatchObject({ id: grace.id, email: 'ada@example.com' });
    });
  });

  describe('purge', () => {
    it('removes a live or deleted profile for good, once', async () => {
      const ada = await create('ada@example.com');
      const grace = await create('grace@example.com');
      await repository.softDelete(grace.id);
      expect(await repository.purge(ada.id)).toBe(true);
      expect(await repository.purge(grace.id)).toBe(true);
      expect(await repository.purge(ada.id)).toBe(false);
      expect(await repository.findById(ada.id, { includeDeleted: true })).toBeUndefined();
      expect(await repository.findById(grace.id, { includeDeleted: true })).toBeUndefined();
    });

    it('purges exactly the profiles deleted before the cutoff and counts them', async () => {
      const start = clock.now();
      const early = await create('early@example.com');
      const late = await create('late@example.com');
      const live = await create('live@example.com');
      await repository.softDelete(early.id);
      clock.advance(10 * DAY_MS);
      await repository.softDelete(late.id);

      expect(await repository.purgeDeletedBefore(start)).toBe(0); // strictly before
      expect(await repository.purgeDeletedBefore(new Date(start.getTime() + 5 * DAY_MS))).toBe(1);
      expect(await repository.findById(early.id, { includeDeleted: true })).toBeUndefined();
      expect(await repository.findById(late.id, { includeDeleted: true })).toBeDefined();
      expect(await repository.purgeDeletedBefore(new Date(start.getTime() + 30 * DAY_MS))).toBe(1);
      expect(await repository.purgeDeletedBefore(new Date(start.getTime() + 30 * DAY_MS))).toBe(0);
      expect(await repository.findById(live.id)).toEqual(live);
    });

    it('purges a backlog larger than one batch', async () => {
      const batched = new KnexUserRepository(database(), { now: clock.now, purgeBatchSize: 2 });
      for (let n = 0; n < 5; n += 1) await batched.softDelete((await create(`gone${n}@example.com`)).id);
      await create('stays@example.com');
      clock.advance(1);
      expect(await batched.purgeDeletedBefore(clock.now())).toBe(5);
      expect((await batched.list({ pageSize: 10, includeDeleted: true })).users.map((user) => user.email)).toEqual(['stays@example.com']);
    });
  });

  describe('list (keyset pagination)', () => {
    /** Creates `count` profiles; several share a createdAt, so the id decides their order. */
    async function seed(count: number): Promise<UserRecord[]> {
      const users: UserRecord[] = [];
      for (let n = 0; n < count; n += 1) {
        if (n % 3 === 0) clock.advance(1); // groups of three share one millisecond
        users.push(await create(`user${n}@example.com`, `User ${n}`));
      }
      return users.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }

    async function pageThrough(pageSize: number): Promise<{ pages: UserRecord[][]; tokens: string[] }> {
      const pages: UserRecord[][] = [];
      const tokens: string[] = [];
      let pageToken: string | undefined;
      do {
        const page = await repository.list({ pageSize, pageToken });
        pages.push([...page.users]);
        pageToken = page.nextPageToken;
        if (pageToken !== undefined) tokens.push(pageToken);
      } while (pageToken !== undefined && pages.length < 100);
      return { pages, tokens };
    }

    it('walks more than two pages in (createdAt, id) order with no duplicates or gaps', async () => {
      const users = await seed(11);
      const { pages, tokens } = await pageThrough(4);
      expect(pages.map((page) => page.length)).toEqual([4, 4, 3]);
      expect(tokens).toHaveLength(2);
      const seen = pages.flat();
      expect(seen.map((user) => user.id)).toEqual(users.map((user) => user.id));
      expect(new Set(seen.map((user) => user.id)).size).toBe(11);
      expect(seen).toEqual(users);
    });

    it('ends without an empty page when the last page is full', async () => {
      await seed(6);
      const { pages } = await pageThrough(3);
      expect(pages.map((page) => page.length)).toEqual([3, 3]);
    });

    it('gives one page and no token for an empty table or a large page size', async () => {
      expect(await repository.list({ pageSize: 5 })).toEqual({ users: [], nextPageToken: undefined });
      await seed(3);
      expect(await repository.list({ pageSize: 3 })).toMatchObject({ nextPageToken: undefined });
    });

    it('stays consistent while profiles are added and deleted between pages', async () => {
      const users = await seed(9);
      const first = await repository.list({ pageSize: 3 });
      expect(first.users).toEqual(users.slice(0, 3));
      // A profile on the next page goes away, one already seen goes away, a new one arrives.
      const [, , , , nextOne] = users;
      const [seenOne] = users;
      if (nextOne === undefined || seenOne === undefined) throw new Error('seed gave too few users');
      await repository.softDelete(nextOne.id);
      await repository.softDelete(seenOne.id);
      clock.advance(1);
      const added = await create('late@example.com');
      const rest: UserRecord[] = [];
      let pageToken = first.nextPageToken;
      while (pageToken !== undefined) {
        const page = await repository.list({ pageSize: 3, pageToken });
        rest.push(...page.users);
        pageToken = page.nextPageToken;
      }
      expect(rest.map((user) => user.id)).toEqual([...users.slice(3).filter((user) => user.id !== nextOne.id).map((user) => user.id), added.id]);
    });

    it('refuses a tampered, truncated or forged page token', async () => {
      await seed(5);
      const { nextPageToken } = await repository.list({ pageSize: 2 });
      if (nextPageToken === undefined) throw new Error('expected a next page');
      const text = Buffer.from(nextPageToken, 'base64url').toString('utf8');
      const forged = (value: string) => Buffer.from(value, 'utf8').toString('base64url');
      const flipped = `${nextPageToken[0] === 'A' ? 'B' : 'A'}${nextPageToken.slice(1)}`;
      const bad = [
        flipped,
        nextPageToken.slice(0, -3),
        `${nextPageToken}A`,
        `${nextPageToken}=`,
        `${nextPageToken.slice(0, 4)}!${nextPageToken.slice(5)}`,
        'not a token',
        forged(text.replace(/^1:/, '2:')),
        forged(text.replace(/:([0-9a-f-]{36})$/, ':not-a-uuid')),
        forged(text.replace(/^1:\d+:/, '1:-5:')),
        forged(text.replace(/^1:\d+:/, '1:99999999999999999:')),
        forged(`${text}' or 1=1 --`),
        forged('{"createdAt":0}'),
        'A'.repeat(500),
      ];
      for (const pageToken of bad) {
        await expect(repository.list({ pageSize: 2, pageToken }), pageToken).rejects.toMatchObject(BAD_PAGE_TOKEN);
      }
      // The genuine token still works; an empty one means the first page.
      expect((await repository.list({ pageSize: 2, pageToken: nextPageToken })).users).toHaveLength(2);
      expect((await repository.list({ pageSize: 2, pageToken: '' })).users).toHaveLength(2);
    });
  });
  describe('events in the outbox (same transaction as the change)', () => {
    it('a committed create, update, soft delete and purge each leave exactly one valid event, keyed by the user id', async () => {
      const ada = await create('ada@example.com', 'Ada');
      expect(await outboxEvents(database())).toEqual([{ type: 'user.created', subject: ada.id, data: { userId: ada.id } }]);
      await repository.update(ada.id, { displayName: 'Ada King' });
      await repository.update(ada.id, { email: 'ada.king@example.com', displayName: 'Ada K' });
      await repository.softDelete(ada.id);
      await repository.purge(ada.id);
      const rows = await outboxRows(database());
      expect(rows.map(({ event }) => ({ type: event.type, subject: event.subject, source: event.source, data: event.data }))).toEqual([
        { type: 'user.created', subject: ada.id, source: 'coffer/user', data: { userId: ada.id } },
        { type: 'user.updated', subject: ada.id, source: 'coffer/user', data: { userId: ada.id, fields: ['displayName'] } },
        { type: 'user.updated', subject: ada.id, source: 'coffer/user', data: { userId: ada.id, fields: ['email', 'displayName'] } },
        { type: 'user.deleted', subject: ada.id, source: 'coffer/user', data: { userId: ada.id, purged: false } },
        { type: 'user.deleted', subject: ada.id, source: 'coffer/user', data: { userId: ada.id, purged: true } },
      ]);
      expect(rows.every((row) => row.eventKey === ada.id && row.topic === 'coffer.user.v1')).toBe(true);
      expect(rows.map(({ event }) => event.time)).toEqual(rows.map(() => clock.now().toISOString()));
      expect(new Set(rows.map(({ event }) => event.id)).size).toBe(rows.length);
    });

    it('never carries an email or a display name', async () => {
      const ada = await create('Secret.Person@example.com', 'Very Secret Name');
      await repository.update(ada.id, { email: 'other.secret@example.org', displayName: 'Another Secret' });
      await repository.softDelete(ada.id);
      const payloads = (await outboxRows(database())).map((row) => row.serialized).join('\n');
      expect(payloads).not.toMatch(/@|secret/i);
    });

    it('a refused create or update (taken email) leaves no event', async () => {
      const ada = await create('ada@example.com');
      const grace = await create('grace@example.com');
      const before = await outboxEvents(database());
      await expect(create('ADA@example.com')).rejects.toMatchObject(EMAIL_IN_USE);
      await expect(repository.update(grace.id, { email: 'Ada@Example.com' })).rejects.toMatchObject(EMAIL_IN_USE);
      expect(await outboxEvents(database())).toEqual(before);
      expect(before.map((event) => event.subject)).toEqual([ada.id, grace.id]);
    });

    it('a change that finds nothing to change leaves no event', async () => {
      const ada = await create('ada@example.com');
      await repository.softDelete(ada.id);
      const before = await outboxEvents(database());
      expect(await repository.update(ada.id, { displayName: 'Gone' })).toBeUndefined();
      expect(await repository.update('7d444840-9dc0-11d1-b245-5ffdce74fad2', { displayName: 'Nobody' })).toBeUndefined();
      expect(await repository.softDelete(ada.id)).toBe(true);
      expect(await repository.purge('7d444840-9dc0-11d1-b245-5ffdce74fad2')).toBe(false);
      expect((await repository.findById(ada.id, { includeDeleted: true }))?.displayName).toBe('Ada Lovelace');
      expect(await outboxEvents(database())).toEqual(before);
    });

    it('an event written in a transaction that then throws is rolled back with the change', async () => {
      const id = '0b7e6b8e-2f43-4c59-9a57-3b1a0f1c2d3e';
      await expect(
        withTransaction(database(), async (trx) => {
          await trx.withSchema(USERS_SCHEMA).table('users').insert({ id, email: 'x@example.com', display_name: 'X', admin: false, created_at: clock.now(), updated_at: clock.now() });
          await writeUserEvents(trx, [{ type: 'user.created', userId: id }], clock.now());
          throw new AppError('internal', { detail: 'boom' });
        }),
      ).rejects.toMatchObject({ code: 'internal' });
      expect(await repository.findById(id)).toBeUndefined();
      expect(await outboxEvents(database())).toEqual([]);
    });

    it('the purge job writes one user.deleted (purged) per profile it removes', async () => {
      const ada = await create('ada@example.com');
      const grace = await create('grace@example.com');
      await create('alan@example.com');
      await repository.softDelete(ada.id);
      await repository.softDelete(grace.id);
      clock.advance(DAY_MS);
      expect(await repository.purgeDeletedBefore(clock.now())).toBe(2);
      const purged = (await outboxEvents(database())).filter((event) => event.type === 'user.deleted' && (event.data as { purged: boolean }).purged);
      expect(purged.map((event) => event.subject).sort()).toEqual([ada.id, grace.id].sort());
    });
  });
}
