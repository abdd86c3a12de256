import { randomUUID } from 'node:crypto';
import { policyV1 } from '@coffer/contracts';
import type { Database } from '@coffer/db';
import { AppError } from '@coffer/platform';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LINK_TOKEN_REFUSED_DETAIL } from '@coffer/integrity';
import type { PolicyOperations } from './policy-service.js';
import {
  clearPolicyTables,
  createTestInstance,
  openMigratedPglite,
  outboxEvents,
  PGLITE_START_TIMEOUT_MS,
  TestClock,
  testKeyRing,
} from './policy-test.fixture.js';

const { EFFECT_ALLOW: ALLOW, EFFECT_DENY: DENY } = policyV1.Effect;
const SECOND = 1_000;
const DAY = 24 * 60 * 60 * SECOND;

const owner = randomUUID();
const reader = randomUUID();
const writer = randomUUID();
const expiredGrantee = randomUUID();
const revokedGrantee = randomUUID();
const stranger = randomUUID();
const fileId = randomUUID();
const otherFileId = randomUUID();
const FILE = `file/${fileId}`;
const OTHER_FILE = `file/${otherFileId}`;

let db: Database;
let clock: TestClock;
let ops: PolicyOperations;

beforeAll(async () => {
  db = await openMigratedPglite();
}, PGLITE_START_TIMEOUT_MS);

afterAll(async () => {
  await db.close();
});

beforeEach(async () => {
  await clearPolicyTables(db);
  clock = new TestClock();
  ops = createTestInstance(db, clock).operations;
});

async function authorize(actorId: string, action: string, options: { resource?: string; folder?: string; instance?: PolicyOperations } = {}) {
  return (options.instance ?? ops).authorize({
    actorId,
    action,
    resource: options.resource ?? FILE,
    resourceOwnerId: owner,
    resourceFolder: options.folder ?? '/reports/2026',
  });
}

async function grant(granteeId: string, actions: string[], options: { expiresAt?: Date; resource?: string; actorId?: string } = {}) {
  const response = await ops.createGrant({
    actorId: options.actorId ?? owner,
    grant: {
      id: '',
      resource: options.resource ?? FILE,
      granteeId,
      actions,
      effect: ALLOW,
      createdBy: '',
      createdAt: undefined,
      expiresAt: options.expiresAt,
    },
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  });
  if (response.grant === undefined) throw new Error('no grant returned');
  return response.grant;
}

async function putStatement(statement: Partial<policyV1.Statement> & { id: string }) {
  return ops.putStatement({
    actorId: owner,
    statement: {
      effect: ALLOW,
      principals: ['*'],
      actions: ['*'],
      resources: ['*'],
      notBefore: undefined,
      notAfter: undefined,
      description: '',
      createdBy: '',
      createdAt: undefined,
      ...statement,
    },
  });
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

describe('Authorize: the decision table', () => {
  let readGrantId = '';
  let writeGrantId = '';

  beforeEach(async () => {
    readGrantId = (await grant(reader, ['file:read'])).id;
    writeGrantId = (await grant(writer, ['file:read', 'file:write'])).id;
    await grant(expiredGrantee, ['file:read', 'file:write'], { expiresAt: new Date(clock.now().getTime() + 60 * SECOND) });
    const revoked = await grant(revokedGrantee, ['file:read', 'file:write']);
    await ops.revokeGrant({ actorId: owner, grantId: revoked.id, resource: FILE, traceparent: '' });
    clock.advance(61 * SECOND);
  });

  it.each([
    ['owner', (): string => owner, 'file:read', ALLOW, 'owner'],
    ['owner', (): string => owner, 'file:write', ALLOW, 'owner'],
    ['owner', (): string => owner, 'file:delete', ALLOW, 'owner'],
    ['owner', (): string => owner, 'file:share', ALLOW, 'owner'],
    ['read grantee', (): string => reader, 'file:read', ALLOW, 'grant:read'],
    ['read grantee', (): string => reader, 'file:write', DENY, 'default-deny'],
    ['read grantee', (): string => reader, 'file:delete', DENY, 'default-deny'],
    ['read grantee', (): string => reader, 'file:share', DENY, 'default-deny'],
    ['write grantee', (): string => writer, 'file:read', ALLOW, 'grant:write'],
    ['write grantee', (): string => writer, 'file:write', ALLOW, 'grant:write'],
    ['write grantee', (): string => writer, 'file:delete', DENY, 'default-deny'],
    ['write grantee', (): string => writer, 'file:share', DENY, 'default-deny'],
    ['expired grantee', (): string => expiredGrantee, 'file:read', DENY, 'default-deny'],
    ['revoked grantee', (): string => revokedGrantee, 'file:read', DENY, 'default-deny'],
    ['stranger', (): string => stranger, 'file:read', DENY, 'default-deny'],
    ['empty actor', (): string => '', 'file:read', DENY, 'default-deny'],
    ['malformed actor', (): string => 'not-a-uuid', 'file:read', DENY, 'default-deny'],
  ] as const)('%s, %s → %s (%s)', async (_label, actor, action, effect, reason) => {
    const expected = reason === 'grant:read' ? `grant:${readGrantId}` : reason === 'grant:write' ? `grant:${writeGrantId}` : reason;
    expect(await authorize(actor(), action)).toEqual({ effect, reason: expected });
  });

  it("a grant on one file gives nothing on another (the owner there is someone else's)", async () => {
    expect(await authorize(reader, 'file:read', { resource: OTHER_FILE })).toEqual({ effect: DENY, reason: 'default-deny' });
  });

  it('an explicit Deny beats ownership and grants, and names the statement', async () => {
    await putStatement({ id: 'freeze', effect: DENY, principals: ['*'], actions: ['file:write', 'file:read'], resources: [FILE] });
    expect(await authorize(owner, 'file:write')).toEqual({ effect: DENY, reason: 'explicit-deny:freeze' });
    expect(await authorize(writer, 'file:write')).toEqual({ effect: DENY, reason: 'explicit-deny:freeze' });
    expect(await authorize(reader, 'file:read')).toEqual({ effect: DENY, reason: 'explicit-deny:freeze' });
    // Actions it does not name are untouched.
    expect(await authorize(owner, 'file:delete')).toEqual({ effect: ALLOW, reason: 'owner' });
  });

  it('an Allow statement for * lets a stranger in, but never past an explicit Deny', async () => {
    await putStatement({ id: 'public-read', principals: ['*'], actions: ['file:read'], resources: ['file/*'] });
    expect(await authorize(stranger, 'file:read')).toEqual({ effect: ALLOW, reason: 'statement:public-read' });
    expect(await authorize(stranger, 'file:write')).toEqual({ effect: DENY, reason: 'default-deny' });
    // Owner and grant reasons come before an Allow statement.
    expect(await authorize(owner, 'file:read')).toEqual({ effect: ALLOW, reason: 'owner' });
    expect(await authorize(reader, 'file:read')).toEqual({ effect: ALLOW, reason: `grant:${readGrantId}` });
    await putStatement({ id: 'no-stranger', effect: DENY, principals: [stranger], actions: ['*'], resources: ['*'] });
    expect(await authorize(stranger, 'file:read')).toEqual({ effect: DENY, reason: 'explicit-deny:no-stranger' });
    // An empty actor is never "every user".
    expect(await authorize('', 'file:read')).toEqual({ effect: DENY, reason: 'default-deny' });
  });

  it('wildcard actions: file:* and * match every file action, file:w* only write', async () => {
    await putStatement({ id: 'all-file', principals: [stranger], actions: ['file:*'], resources: [FILE] });
    await putStatement({ id: 'star', principals: [expiredGrantee], actions: ['*'], resources: [FILE] });
    await putStatement({ id: 'w-only', principals: [revokedGrantee], actions: ['file:w*'], resources: [FILE] });
    for (const action of ['file:read', 'file:write', 'file:delete', 'file:share']) {
      expect(await authorize(stranger, action)).toEqual({ effect: ALLOW, reason: 'statement:all-file' });
      expect(await authorize(expiredGrantee, action)).toEqual({ effect: ALLOW, reason: 'statement:star' });
    }
    expect(await authorize(revokedGrantee, 'file:write')).toEqual({ effect: ALLOW, reason: 'statement:w-only' });
    expect(await authorize(revokedGrantee, 'file:read')).toEqual({ effect: DENY, reason: 'default-deny' });
  });

  it('folder patterns: folder:/a/* covers /a and below, folder:/a exactly /a, never /ab', async () => {
    await putStatement({ id: 'reports-tree', principals: [stranger], actions: ['file:read'], resources: ['folder:/reports/*'] });
    await putStatement({ id: 'inbox-only', principals: [stranger], actions: ['file:write'], resources: ['folder:/inbox'] });
    const at = (folder: string, action = 'file:read') => authorize(stranger, action, { folder });
    expect(await at('/reports')).toEqual({ effect: ALLOW, reason: 'statement:reports-tree' });
    expect(await at('/reports/2026/q1')).toEqual({ effect: ALLOW, reason: 'statement:reports-tree' });
    expect(await at('/reports/')).toEqual({ effect: ALLOW, reason: 'statement:reports-tree' });
    expect(await at('/reportsX')).toEqual({ effect: DENY, reason: 'default-deny' });
    expect(await at('/other/reports')).toEqual({ effect: DENY, reason: 'default-deny' });
    expect(await at('')).toEqual({ effect: DENY, reason: 'default-deny' });
    expect(await at('/inbox', 'file:write')).toEqual({ effect: ALLOW, reason: 'statement:inbox-only' });
    expect(await at('/inbox/sub', 'file:write')).toEqual({ effect: DENY, reason: 'default-deny' });
  });

  it('not_before / not_after: a statement applies only inside its window', async () => {
    const now = clock.now().getTime();
    await putStatement({
      id: 'window',
      principals: [stranger],
      actions: ['file:read'],
      resources: [FILE],
      notBefore: new Date(now + 10 * SECOND),
      notAfter: new Date(now + 20 * SECOND),
    });
    expect(await authorize(stranger, 'file:read')).toEqual({ effect: DENY, reason: 'default-deny' });
    clock.advance(10 * SECOND);
    expect(await authorize(stranger, 'file:read')).toEqual({ effect: ALLOW, reason: 'statement:window' });
    clock.advance(10 * SECOND - 1);
    expect(await authorize(stranger, 'file:read')).toEqual({ effect: ALLOW, reason: 'statement:window' });
    clock.advance(1);
    expect(await authorize(stranger, 'file:read')).toEqual({ effect: DENY, reason: 'default-deny' });
  });

  it('a Deny statement outside its window does not apply', async () => {
    const now = clock.now().getTime();
    await putStatement({ id: 'later', effect: DENY, principals: ['*'], actions: ['*'], resources: ['*'], notBefore: new Date(now + 5 * SECOND) });
    expect(await authorize(owner, 'file:read')).toEqual({ effect: ALLOW, reason: 'owner' });
    clock.advance(5 * SECOND);
    expect(await authorize(owner, 'file:read')).toEqual({ effect: DENY, reason: 'explicit-deny:later' });
  });

  it('refuses a malformed action or resource with invalid_argument, and denies an empty resource', async () => {
    await expect(authorize(owner, 'file:fly')).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(authorize(owner, '')).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(authorize(owner, 'file:read', { resource: 'file/../../etc' })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(authorize(owner, 'file:read', { resource: 'bucket/x' })).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(await authorize(owner, 'file:read', { resource: '' })).toEqual({ effect: DENY, reason: 'default-deny' });
  });

  it('counts decisions by effect and kind of reason, never by id', async () => {
    const { operations, registry } = createTestInstance(db, clock);
    await authorize(owner, 'file:read', { instance: operations });
    await authorize(reader, 'file:read', { instance: operations });
    await authorize(reader, 'file:read', { instance: operations });
    await authorize(stranger, 'file:read', { instance: operations });
    const text = await registry.metrics();
    expect(text).toMatch(/policy_decisions_total\{effect="allow",reason_kind="owner"[^}]*\} 1/);
    expect(text).toMatch(/policy_decisions_total\{effect="allow",reason_kind="grant"[^}]*\} 2/);
    expect(text).toMatch(/policy_decisions_total\{effect="deny",reason_kind="default_deny"[^}]*\} 1/);
    expect(text).toMatch(/policy_decision_cache_hits_total\{[^}]*\} 1/);
    expect(text).toMatch(/policy_decision_cache_misses_total\{[^}]*\} 3/);
    expect(text).not.toContain(readGrantId);
  });
});

describe('Authorize: cache invalidation', () => {
  it('revoking a grant denies on the very next Authorize of the same instance', async () => {
    const granted = await grant(reader, ['file:read']);
    expect(await authorize(reader, 'file:read')).toEqual({ effect: ALLOW, reason: `grant:${granted.id}` });
    expect(await authorize(reader, 'file:read')).toEqual({ effect: ALLOW, reason: `grant:${granted.id}` }); // cached
    await ops.revokeGrant({ actorId: owner, grantId: granted.id, resource: FILE, traceparent: '' });
    expect(await authorize(reader, 'file:read')).toEqual({ effect: DENY, reason: 'default-deny' });
  });

  it('a new Deny statement applies on the very next Authorize of the same instance', async () => {
    expect(await authorize(owner, 'file:read')).toEqual({ effect: ALLOW, reason: 'owner' });
    await putStatement({ id: 'lockdown', effect: DENY, principals: ['*'], actions: ['*'], resources: ['*'] });
    expect(await authorize(owner, 'file:read')).toEqual({ effect: DENY, reason: 'explicit-deny:lockdown' });
    await ops.deleteStatement({ actorId: owner, statementId: 'lockdown' });
    expect(await authorize(owner, 'file:read')).toEqual({ effect: ALLOW, reason: 'owner' });
  });

  it('a second instance on the same database denies within 1 s of a revoke (cache TTL), not before its entry expires', async () => {
    const other = createTestInstance(db, clock).operations;
    const granted = await grant(reader, ['file:read']);
    expect(await authorize(reader, 'file:read', { instance: other })).toEqual({ effect: ALLOW, reason: `grant:${granted.id}` });
    await ops.revokeGrant({ actorId: owner, grantId: granted.id, resource: FILE, traceparent: '' });
    // The instance that revoked knows at once; the other serves its cached decision for < 1 s.
    expect(await authorize(reader, 'file:read')).toEqual({ effect: DENY, reason: 'default-deny' });
    clock.advance(999);
    expect(await authorize(reader, 'file:read', { instance: other })).toEqual({ effect: ALLOW, reason: `grant:${granted.id}` });
    clock.advance(1);
    expect(await authorize(reader, 'file:read', { instance: other })).toEqual({ effect: DENY, reason: 'default-deny' });
  });

  it('a second instance sees a new Deny statement within 1 s', async () => {
    const other = createTestInstance(db, clock).operations;
    expect(await authorize(owner, 'file:read', { instance: other })).toEqual({ effect: ALLOW, reason: 'owner' });
    await putStatement({ id: 'deny-all', effect: DENY, principals: ['*'], actions: ['*'], resources: ['*'] });
    clock.advance(SECOND);
    expect(await authorize(owner, 'file:read', { instance: other })).toEqual({ effect: DENY, reason: 'explicit-deny:deny-all' });
  });

  it('a cached allow from a grant never outlives the grant’s expiry', async () => {
    const granted = await grant(reader, ['file:read'], { expiresAt: new Date(clock.now().getTime() + 500) });
    expect(await authorize(reader, 'file:read')).toEqual({ effect: ALLOW, reason: `grant:${granted.id}` });
    clock.advance(500);
    expect(await authorize(reader, 'file:read')).toEqual({ effect: DENY, reason: 'default-deny' });
  });
});

describe('grants', () => {
  it('creates a grant with both actions, lists it, and revokes it (the row stays for the audit)', async () => {
    const expiresAt = new Date(clock.now().getTime() + DAY);
    const created = await grant(writer, ['file:write', 'file:read'], { expiresAt });
    expect(created).toEqual({
      id: expect.any(String) as unknown,
      resource: FILE,
      granteeId: writer,
      actions: ['file:read', 'file:write'],
      effect: ALLOW,
      createdBy: owner,
      createdAt: clock.now(),
      expiresAt,
    });
    expect((await ops.listGrants({ actorId: owner, resource: FILE })).grants).toEqual([created]);
    await ops.revokeGrant({ actorId: owner, grantId: created.id, resource: FILE, traceparent: '' });
    expect((await ops.listGrants({ actorId: owner, resource: FILE })).grants).toEqual([]);
    const rows = await db.knex.raw<{ rows: { revoked_at: Date | null }[] }>('select revoked_at from policy.grants where id = ?', [created.id]);
    expect(rows.rows[0]?.revoked_at).toEqual(clock.now());
  });

  it('a second grant to the same grantee replaces the first', async () => {
    const first = await grant(reader, ['file:read']);
    const second = await grant(reader, ['file:read', 'file:write']);
    const live = (await ops.listGrants({ actorId: owner, resource: FILE })).grants;
    expect(live.map((item) => item.id)).toEqual([second.id]);
    expect(first.id).not.toBe(second.id);
    expect(await authorize(reader, 'file:write')).toEqual({ effect: ALLOW, reason: `grant:${second.id}` });
  });

  it.each([
    ['the grantee is the actor', { granteeId: owner }, /granteeId: cannot be the actor/],
    ['the grantee is not a UUID', { granteeId: 'bob' }, /granteeId: must be a UUID/],
    ['actions are only write', { actions: ['file:write'] }, /grant\.actions/],
    ['actions include delete', { actions: ['file:read', 'file:delete'] }, /grant\.actions/],
    ['actions are empty', { actions: [] }, /grant\.actions/],
    ['actions are unknown', { actions: ['file:fly'] }, /grant\.actions/],
    ['the grant is a deny', { effect: DENY }, /grant\.effect/],
    ['expiry is now', { expiresAt: 'now' }, /expiresAt: must be in the future/],
    ['the resource is not a file', { resource: 'folder:/a' }, /grant\.resource/],
  ] as const)('refuses a grant when %s (invalid_argument)', async (_label, change, detail) => {
    const expiresAt = 'expiresAt' in change ? clock.now() : undefined;
    const request: policyV1.CreateGrantRequest = {
      actorId: owner,
      grant: {
        id: '',
        resource: FILE,
        granteeId: reader,
        actions: ['file:read'],
        effect: ALLOW,
        createdBy: '',
        createdAt: undefined,
        expiresAt,
        ...('granteeId' in change ? { granteeId: change.granteeId } : {}),
        ...('actions' in change ? { actions: [...change.actions] } : {}),
        ...('effect' in change ? { effect: change.effect } : {}),
        ...('resource' in change ? { resource: change.resource } : {}),
      },
      traceparent: '',
    };
    const error = await rejection(ops.createGrant(request));
    expect(error.code).toBe('invalid_argument');
    expect(error.detail).toMatch(detail);
    expect(await outboxEvents(db)).toEqual([]);
  });

  it('caps live grants per resource (quota-like invalid_argument) without writing events for the refused grant', async () => {
    const limited = createTestInstance(db, clock, { maxLiveGrantsPerResource: 2 }).operations;
    const create = (granteeId: string) =>
      limited.createGrant({
        actorId: owner,
        grant: { id: '', resource: FILE, granteeId, actions: ['file:read'], effect: ALLOW, createdBy: '', createdAt: undefined, expiresAt: undefined },
        traceparent: '',
      });
    await create(reader);
    await create(writer);
    const before = await outboxEvents(db);
    const error = await rejection(create(stranger));
    expect(error).toMatchObject({ code: 'invalid_argument' });
    expect(error.detail).toMatch(/maximum of 2 live grants/);
    // Replacing an existing grantee's share does not count against the quota.
    await create(reader);
    expect((await outboxEvents(db)).length).toBe(before.length + 2);
  });

  it('RevokeGrant is NOT_FOUND for a grant on another resource (no cross-resource revocation), and idempotent', async () => {
    const granted = await grant(reader, ['file:read']);
    await expect(ops.revokeGrant({ actorId: stranger, grantId: granted.id, resource: OTHER_FILE, traceparent: '' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(ops.revokeGrant({ actorId: owner, grantId: randomUUID(), resource: FILE, traceparent: '' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(ops.revokeGrant({ actorId: owner, grantId: 'nope', resource: FILE, traceparent: '' })).rejects.toMatchObject({ code: 'not_found' });
    expect(await authorize(reader, 'file:read')).toMatchObject({ effect: ALLOW });
    await ops.revokeGrant({ actorId: owner, grantId: granted.id, resource: FILE, traceparent: '' });
    await ops.revokeGrant({ actorId: owner, grantId: granted.id, resource: FILE, traceparent: '' });
    expect((await outboxEvents(db)).map((event) => event.type)).toEqual(['share.granted', 'share.revoked']);
  });

  it('ListGrantedResources lists live grants of a grantee, filtered by action', async () => {
    await grant(reader, ['file:read']);
    await grant(reader, ['file:read', 'file:write'], { resource: OTHER_FILE });
    const third = `file/${randomUUID()}`;
    await grant(reader, ['file:read'], { resource: third, expiresAt: new Date(clock.now().getTime() + SECOND) });
    clock.advance(SECOND);
    const list = (action: string) => ops.listGrantedResources({ granteeId: reader, action }).then((response) => [...response.resources].sort());
    expect(await list('')).toEqual([FILE, OTHER_FILE].sort());
    expect(await list('file:read')).toEqual([FILE, OTHER_FILE].sort());
    expect(await list('file:write')).toEqual([OTHER_FILE]);
    expect(await list('file:delete')).toEqual([]);
    await expect(list('file:fly')).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('RevokeResourceGrants ends every grant and link of the resource at once', async () => {
    await grant(reader, ['file:read']);
    const other = await grant(reader, ['file:read'], { resource: OTHER_FILE });
    const link = await ops.createLink({ actorId: owner, resource: FILE, version: 0, expiresAt: new Date(clock.now().getTime() + DAY), traceparent: '' });
    expect(await authorize(reader, 'file:read')).toMatchObject({ effect: ALLOW });
    await ops.revokeResourceGrants({ resource: FILE });
    expect(await authorize(reader, 'file:read')).toEqual({ effect: DENY, reason: 'default-deny' });
    expect(await authorize(reader, 'file:read', { resource: OTHER_FILE })).toEqual({ effect: ALLOW, reason: `grant:${other.id}` });
    expect((await ops.listLinks({ resource: FILE })).links).toEqual([]);
    await expect(ops.resolveLink({ token: link.token, method: 'GET' })).rejects.toMatchObject({ code: 'permission_denied' });
  });
});

describe('statements', () => {
  it('puts, replaces, lists and deletes statements', async () => {
    const created = await putStatement({ id: 'a', actions: ['file:read'], resources: ['FILE/*'.toLowerCase(), 'folder:/x/*'], description: 'first' });
    expect(created.statement).toMatchObject({ id: 'a', effect: ALLOW, principals: ['*'], actions: ['file:read'], resources: ['file/*', 'folder:/x/*'], createdBy: owner });
    await putStatement({ id: 'a', effect: DENY, principals: [reader], description: 'second' });
    await putStatement({ id: 'B', principals: [writer] });
    const listed = (await ops.listStatements({})).statements;
    expect(listed.map((statement) => [statement.id, statement.effect, statement.description])).toEqual([
      ['B', ALLOW, ''],
      ['a', DENY, 'second'],
    ]);
    await ops.deleteStatement({ actorId: owner, statementId: 'a' });
    await expect(ops.deleteStatement({ actorId: owner, statementId: 'a' })).rejects.toMatchObject({ code: 'not_found' });
    expect((await ops.listStatements({})).statements.map((statement) => statement.id)).toEqual(['B']);
  });

  it.each([
    ['a bad id', { id: 'has space' }],
    ['a too long id', { id: 'x'.repeat(65) }],
    ['no effect', { effect: policyV1.Effect.EFFECT_UNSPECIFIED }],
    ['no principals', { principals: [] }],
    ['a principal that is not a user id', { principals: ['admins'] }],
    ['no actions', { actions: [] }],
    ['an action matching nothing', { actions: ['bucket:*'] }],
    ['an action with odd characters', { actions: ['file:read;drop'] }],
    ['no resources', { resources: [] }],
    ['a resource of another kind', { resources: ['bucket/x'] }],
    ['a folder pattern with * inside', { resources: ['folder:/a/*/b'] }],
    ['a folder pattern without a leading slash', { resources: ['folder:a/b'] }],
    ['a file pattern with a slash', { resources: ['file/a/b'] }],
    ['a window that closes before it opens', { notBefore: new Date('2026-03-02T00:00:00Z'), notAfter: new Date('2026-03-01T00:00:00Z') }],
  ] as const)('refuses a statement with %s (invalid_argument)', async (_label, change) => {
    await expect(putStatement({ id: 'ok', ...change } as Partial<policyV1.Statement> & { id: string })).rejects.toMatchObject({ code: 'invalid_argument' });
    expect((await ops.listStatements({})).statements).toEqual([]);
  });
});

describe('links', () => {
  const inADay = () => new Date(clock.now().getTime() + DAY);

  async function createLink(resource = FILE, expiresAt = inADay(), version = 0) {
    return ops.createLink({ actorId: owner, resource, version, expiresAt, traceparent: '' });
  }

  it('issues a token that resolves to its link (GET and HEAD), and lists the live link', async () => {
    const created = await createLink(FILE, inADay(), 3);
    expect(created.link).toMatchObject({ resource: FILE, version: 3, createdBy: owner });
    expect(created.token).toMatch(/^v1\./);
    expect(created.token).not.toContain(owner);
    expect((await ops.resolveLink({ token: created.token, method: 'GET' })).link).toEqual(created.link);
    expect((await ops.resolveLink({ token: created.token, method: 'HEAD' })).link).toEqual(created.link);
    expect((await ops.listLinks({ resource: FILE })).links).toEqual([created.link]);
  });

  it.each([
    ['in the past', -SECOND],
    ['now', 0],
    ['more than 30 days ahead', 30 * DAY + SECOND],
  ])('refuses an expiry %s', async (_label, offset) => {
    await expect(createLink(FILE, new Date(clock.now().getTime() + offset))).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  async function expectRefused(token: string, method = 'GET', instance = ops) {
    const error = await rejection(instance.resolveLink({ token, method }));
    expect({ code: error.code, detail: error.detail }).toEqual({ code: 'permission_denied', detail: LINK_TOKEN_REFUSED_DETAIL });
  }

  it('refuses a tampered token (any changed character), with the same generic detail', async () => {
    const { token } = await createLink();
    const parts = token.split('.');
    const mac = parts[6] ?? '';
    const flipped = `${mac.slice(0, 5)}${mac[5] === 'A' ? 'B' : 'A'}${mac.slice(6)}`;
    await expectRefused([...parts.slice(0, 6), flipped].join('.'));
    await expectRefused(token.replace(fileId, otherFileId));
    await expectRefused([parts[0], parts[1], parts[2], '7', ...parts.slice(4)].join('.'));
    await expectRefused(`${token}x`);
    await expectRefused('');
    await expectRefused('not a token');
  });

  it('refuses an expired token, a revoked link, and a wrong method', async () => {
    const { token, link } = await createLink(FILE, new Date(clock.now().getTime() + 10 * SECOND));
    await expectRefused(token, 'POST');
    await expectRefused(token, 'get');
    await expectRefused(token, '');
    clock.advance(10 * SECOND);
    await expectRefused(token);
    const second = await createLink();
    await ops.revokeLink({ actorId: owner, linkId: second.link?.id ?? '', resource: FILE, traceparent: '' });
    await expectRefused(second.token);
    expect(link?.id).toBeDefined();
  });

  it("refuses a link whose row is gone or belongs to another file, and a token signed with a key the ring no longer has", async () => {
    const { token, link } = await createLink(OTHER_FILE);
    await db.knex.raw('update policy.links set resource = ? where id = ?', [FILE, link?.id ?? '']);
    await expectRefused(token);
    await db.knex.raw('delete from policy.links');
    await expectRefused(token);
    const rotated = createTestInstance(db, clock, { ring: testKeyRing('k2') }).operations;
    const fresh = await rotated.createLink({ actorId: owner, resource: FILE, version: 0, expiresAt: inADay(), traceparent: '' });
    // Old ring instances still verify k2 tokens (both keys are in the ring).
    expect((await ops.resolveLink({ token: fresh.token, method: 'GET' })).link?.id).toBe(fresh.link?.id);
  });

  it('RevokeLink is NOT_FOUND for a link on another resource', async () => {
    const { link, token } = await createLink();
    await expect(ops.revokeLink({ actorId: stranger, linkId: link?.id ?? '', resource: OTHER_FILE, traceparent: '' })).rejects.toMatchObject({ code: 'not_found' });
    expect((await ops.resolveLink({ token, method: 'GET' })).link?.id).toBe(link?.id);
  });
});

describe('events through the outbox', () => {
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

  it('writes one valid event per change, in order, with subject = file id and the request traceparent', async () => {
    const first = await grant(reader, ['file:read']);
    const second = await grant(reader, ['file:read', 'file:write'], { expiresAt: new Date(clock.now().getTime() + DAY) });
    await ops.revokeGrant({ actorId: owner, grantId: second.id, resource: FILE, traceparent });
    const created = await ops.createLink({ actorId: owner, resource: FILE, version: 2, expiresAt: new Date(clock.now().getTime() + DAY), traceparent: 'garbage' });
    await ops.revokeLink({ actorId: owner, linkId: created.link?.id ?? '', resource: FILE, traceparent });
    await putStatement({ id: 'no-event' });

    const events = await outboxEvents(db);
    expect(events.map((event) => event.type)).toEqual(['share.granted', 'share.revoked', 'share.granted', 'share.revoked', 'link.created', 'link.revoked']);
    for (const event of events) {
      expect(event.source).toBe('coffer/policy');
      expect(event.subject).toBe(fileId);
    }
    expect(events[0]?.data).toEqual({ shareId: first.id, fileId, actorId: owner, granteeId: reader, permission: 'read' });
    expect(events[0]?.traceparent).toBe(traceparent);
    expect(events[1]?.data).toEqual({ shareId: first.id, fileId, actorId: owner, granteeId: reader });
    expect(events[2]?.data).toMatchObject({ shareId: second.id, permission: 'read-write', expiresAt: second.expiresAt?.toISOString() });
    expect(events[4]?.data).toEqual({ linkId: created.link?.id, fileId, actorId: owner, version: 2, expiresAt: created.link?.expiresAt?.toISOString() });
    expect(events[4]).not.toHaveProperty('traceparent');
    expect(events[5]?.data).toEqual({ linkId: created.link?.id, fileId, actorId: owner });
  });

  it('writes nothing when the change is refused or rolled back', async () => {
    await expect(grant(owner, ['file:read'])).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(ops.revokeGrant({ actorId: owner, grantId: randomUUID(), resource: FILE, traceparent })).rejects.toMatchObject({ code: 'not_found' });
    // A grant whose insert fails inside the transaction (a test-only constraint refuses every
    // new row) leaves neither rows nor events behind.
    await db.knex.raw('alter table policy.grants add constraint test_no_inserts check (false) not valid');
    try {
      await expect(grant(reader, ['file:read'])).rejects.toBeInstanceOf(AppError);
    } finally {
      await db.knex.raw('alter table policy.grants drop constraint test_no_inserts');
    }
    expect(await outboxEvents(db)).toEqual([]);
    expect((await db.knex.raw<{ rows: unknown[] }>('select * from policy.grants')).rows).toEqual([]);
  });
});
