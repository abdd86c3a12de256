import { randomUUID } from 'node:crypto';
import { listAppliedMigrations, migrate, type Database } from '@coffer/db';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { POLICY_SCHEMA, policyMigrations } from '../src/policy/policy-migrations.js';
import { KnexPolicyRepository } from '../src/policy/policy-repository.js';
import { clearPolicyTables, outboxEvents, TestClock } from '../src/policy/policy-test.fixture.js';

const DAY = 24 * 60 * 60 * 1_000;

/**
 * The behaviour every {@link KnexPolicyRepository} database must show. `openDatabase` gives an
 * empty database, which the suite migrates and closes at the end.
 */
export function policyRepositoryContract(openDatabase: () => Promise<Database>): void {
  let db: Database | undefined;
  let clock: TestClock;
  let repository: KnexPolicyRepository;
  const database = (): Database => {
    if (db === undefined) throw new Error('the database did not open');
    return db;
  };
  const actor = randomUUID();
  const change = { actorId: actor, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
  const file = () => `file/${randomUUID()}`;

  beforeAll(async () => {
    db = await openDatabase();
    await migrate(db, { schema: POLICY_SCHEMA, migrations: policyMigrations });
  });

  afterAll(async () => {
    await db?.close();
  });

  beforeEach(async () => {
    await clearPolicyTables(database());
    clock = new TestClock();
    repository = new KnexPolicyRepository(database(), { now: clock.now });
  });

  it('migrations are recorded, and running them again applies nothing', async () => {
    const again = await migrate(database(), { schema: POLICY_SCHEMA, migrations: policyMigrations });
    expect(again.applied).toEqual([]);
    expect((await listAppliedMigrations(database(), POLICY_SCHEMA)).map((migration) => migration.name)).toEqual(policyMigrations.map((m) => m.name));
  });

  describe('grants', () => {
    it('stores a grant exactly as read back, with a share.granted event in the outbox', async () => {
      const resource = file();
      const grantee = randomUUID();
      const expiresAt = new Date(clock.now().getTime() + DAY);
      const stored = await repository.createGrant({ resource, granteeId: grantee, permission: 'read-write', expiresAt }, change, { maxLiveGrants: 10 });
      expect(stored).toEqual({
        id: expect.any(String) as unknown,
        resource,
        granteeId: grantee,
        permission: 'read-write',
        createdBy: actor,
        createdAt: clock.now(),
        expiresAt,
        revokedAt: undefined,
      });
      expect(await repository.liveGrantsOf(resource, grantee)).toEqual([stored]);
      expect(await repository.listLiveGrants(resource)).toEqual([stored]);
      const events = await outboxEvents(database());
      expect(events.map((event) => [event.type, event.subject, event.traceparent])).toEqual([['share.granted', resource.slice(5), change.traceparent]]);
    });

    it('replaces the grantee’s previous grant in one transaction (revoked row kept, two events)', async () => {
      const resource = file();
      const grantee = randomUUID();
      const first = await repository.createGrant({ resource, granteeId: grantee, permission: 'read', expiresAt: undefined }, change, { maxLiveGrants: 10 });
      const second = await repository.createGrant({ resource, granteeId: grantee, permission: 'read-write', expiresAt: undefined }, change, { maxLiveGrants: 10 });
      expect((await repository.listLiveGrants(resource)).map((grant) => grant.id)).toEqual([second.id]);
      const rows = await database().knex.raw<{ rows: { id: string; revoked_at: Date | null }[] }>('select id, revoked_at from policy.grants order by created_at, id');
      expect(rows.rows.find((row) => row.id === first.id)?.revoked_at).toEqual(clock.now());
      expect((await outboxEvents(database())).map((event) => event.type)).toEqual(['share.granted', 'share.revoked', 'share.granted']);
    });

    it('expired and revoked grants are not live; revoke is scoped to the resource', async () => {
      const resource = file();
      const a = randomUUID();
      const b = randomUUID();
      const expiring = await repository.createGrant({ resource, granteeId: a, permission: 'read', expiresAt: new Date(clock.now().getTime() + 1_000) }, change, { maxLiveGrants: 10 });
      const revoking = await repository.createGrant({ resource, granteeId: b, permission: 'read', expiresAt: undefined }, change, { maxLiveGrants: 10 });
      expect(await repository.revokeGrant(file(), revoking.id, change)).toBe('not-found');
      expect(await repository.revokeGrant(resource, revoking.id, change)).toBe('revoked');
      expect(await repository.revokeGrant(resource, revoking.id, change)).toBe('already-revoked');
      expect(await repository.revokeGrant(resource, 'x', change)).toBe('not-found');
      clock.advance(1_000);
      expect(await repository.listLiveGrants(resource)).toEqual([]);
      expect(await repository.liveGrantsOf(resource, a)).toEqual([]);
      expect(expiring.expiresAt).toBeDefined();
    });

    it('refuses a grant past the quota, leaving no row and no event', async () => {
      const resource = file();
      await repository.createGrant({ resource, granteeId: randomUUID(), permission: 'read', expiresAt: undefined }, change, { maxLiveGrants: 1 });
      await expect(
        repository.createGrant({ resource, granteeId: randomUUID(), permission: 'read', expiresAt: undefined }, change, { maxLiveGrants: 1 }),
      ).rejects.toMatchObject({ code: 'invalid_argument' });
      expect(await repository.listLiveGrants(resource)).toHaveLength(1);
      expect(await outboxEvents(database())).toHaveLength(1);
    });

    it('lists granted resources by permission, distinct and bounded', async () => {
      const grantee = randomUUID();
      const [r1, r2, r3] = [file(), file(), file()].sort();
      for (const [resource, permission] of [[r1, 'read'], [r2, 'read-write'], [r3, 'read']] as const) {
        await repository.createGrant({ resource: resource ?? '', granteeId: grantee, permission, expiresAt: undefined }, change, { maxLiveGrants: 10 });
      }
      expect(await repository.listGrantedResources(grantee, ['read', 'read-write'], 10)).toEqual([r1, r2, r3]);
      expect(await repository.listGrantedResources(grantee, ['read-write'], 10)).toEqual([r2]);
      expect(await repository.listGrantedResources(grantee, ['read', 'read-write'], 2)).toEqual([r1, r2]);
      expect(await repository.listGrantedResources(grantee, [], 10)).toEqual([]);
    });

    it('revokeResource ends every grant and link of one resource only', async () => {
      const resource = file();
      const other = file();
      await repository.createGrant({ resource, granteeId: randomUUID(), permission: 'read', expiresAt: undefined }, change, { maxLiveGrants: 10 });
      await repository.createGrant({ resource: other, granteeId: randomUUID(), permission: 'read', expiresAt: undefined }, change, { maxLiveGrants: 10 });
      await repository.createLink({ resource, version: 0, expiresAt: new Date(clock.now().getTime() + DAY) }, change);
      expect(await repository.revokeResource(resource)).toEqual({ grants: 1, links: 1 });
      expect(await repository.listLiveGrants(resource)).toEqual([]);
      expect(await repository.listLiveLinks(resource)).toEqual([]);
      expect(await repository.listLiveGrants(other)).toHaveLength(1);
    });
  });

  describe('statements', () => {
    it('upserts, lists by id (byte order) and deletes', async () => {
      const base = { effect: 'allow' as const, principals: ['*'], actions: ['file:*'], resources: ['folder:/a/*'], notBefore: undefined, notAfter: undefined, description: 'd', createdBy: actor };
      const stored = await repository.putStatement({ ...base, id: 'b' });
      expect(stored).toEqual({ ...base, id: 'b', createdAt: clock.now() });
      await repository.putStatement({ ...base, id: 'B', notBefore: clock.now(), notAfter: new Date(clock.now().getTime() + DAY) });
      await repository.putStatement({ ...base, id: 'b', effect: 'deny', principals: [actor] });
      const listed = await repository.listStatements();
      expect(listed.map((statement) => [statement.id, statement.effect, statement.principals])).toEqual([
        ['B', 'allow', ['*']],
        ['b', 'deny', [actor]],
      ]);
      expect(listed[0]?.notAfter).toEqual(new Date(clock.now().getTime() + DAY));
      expect(await repository.deleteStatement('b')).toBe(true);
      expect(await repository.deleteStatement('b')).toBe(false);
    });
  });

  describe('links', () => {
    it('stores, finds, lists live links and revokes them scoped to the resource, with events', async () => {
      const resource = file();
      const expiresAt = new Date(clock.now().getTime() + DAY);
      const link = await repository.createLink({ resource, version: 4, expiresAt }, change);
      expect(link).toEqual({ id: expect.any(String) as unknown, resource, version: 4, createdBy: actor, createdAt: clock.now(), expiresAt, revokedAt: undefined });
      expect(await repository.findLink(link.id)).toEqual(link);
      expect(await repository.findLink('nope')).toBeUndefined();
      expect(await repository.listLiveLinks(resource)).toEqual([link]);
      expect(await repository.revokeLink(file(), link.id, change)).toBe('not-found');
      expect(await repository.revokeLink(resource, link.id, change)).toBe('revoked');
      expect(await repository.revokeLink(resource, link.id, change)).toBe('already-revoked');
      expect((await repository.findLink(link.id))?.revokedAt).toEqual(clock.now());
      expect(await repository.listLiveLinks(resource)).toEqual([]);
      expect((await outboxEvents(database())).map((event) => event.type)).toEqual(['link.created', 'link.revoked']);
    });
  });
}
