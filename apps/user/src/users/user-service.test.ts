import { Server, ServerCredentials, credentials } from '@grpc/grpc-js';
import { userV1 } from '@coffer/contracts';
import type { Database } from '@coffer/db';
import { AppError, notImplementedService, unaryCall } from '@coffer/platform';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KnexUserRepository } from './user-repository.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, UserOperations, userServiceImplementation } from './user-service.js';
import { capturingLogger, clearUsers, openMigratedPglite, outboxEvents, outboxRows, PGLITE_START_TIMEOUT_MS, TestClock } from './user-test.fixture.js';

const UNKNOWN_ID = '7d444840-9dc0-11d1-b245-5ffdce74fad2';

let db: Database | undefined;
let clock: TestClock;
let operations: UserOperations;

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
  operations = new UserOperations({
    repository: new KnexUserRepository(database(), { now: clock.now }),
    adminEmails: ['root@example.com'],
  });
});

async function signUp(email = 'ada@example.com', displayName = 'Ada Lovelace'): Promise<userV1.User> {
  const { user } = await operations.createUser({ email, displayName });
  if (user === undefined) throw new Error('CreateUser returned no user');
  return user;
}

const failure = (code: string, detail: string | RegExp) => ({ code, detail: typeof detail === 'string' ? detail : expect.stringMatching(detail) as unknown });
const NOT_FOUND = failure('not_found', 'The user does not exist.');

describe('CreateUser', () => {
  it('stores normalised fields and returns the contract User with Date timestamps', async () => {
    const user = await signUp('  Ada@Example.COM ', '  Ada   Lovelace ');
    expect(user).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
      email: 'Ada@example.com',
      displayName: 'Ada Lovelace',
      admin: false,
      createdAt: clock.now(),
      updatedAt: clock.now(),
      deletedAt: undefined,
    });
    expect(user.createdAt).toBeInstanceOf(Date);
    // The message survives the contract's codec (timestamps as google.protobuf.Timestamp).
    expect(userV1.User.decode(userV1.User.encode(user).finish())).toEqual(user);
  });

  it('makes an account with a listed admin email an admin, in any case', async () => {
    expect((await signUp('Root@EXAMPLE.com', 'Root')).admin).toBe(true);
    expect((await signUp('rooted@example.com', 'Not root')).admin).toBe(false);
  });

  it.each([
    [{ email: '', displayName: 'Ada' }, failure('invalid_argument', 'email: is required.')],
    [{ email: 'not-an-email', displayName: 'Ada' }, failure('invalid_argument', 'email: is not a valid email address.')],
    [{ email: `${'a'.repeat(250)}@example.com`, displayName: 'Ada' }, failure('invalid_argument', /^email: /)],
    [{ email: 'ada@example.com', displayName: '' }, failure('invalid_argument', 'displayName: is required.')],
    [{ email: 'ada@example.com', displayName: 'x'.repeat(101) }, failure('invalid_argument', /^displayName: must be at most/)],
    [{ email: 'ada@example.com', displayName: 'Ada\u202eecalovoL' }, failure('invalid_argument', /^displayName: must not contain/)],
  ])('refuses %j naming the field', async (request, expected) => {
    await expect(operations.createUser(request)).rejects.toMatchObject(expected);
  });

  it('refuses an email a live account has, compared case-insensitively', async () => {
    await signUp('ada@example.com');
    await expect(operations.createUser({ email: 'ADA@example.com', displayName: 'Other' })).rejects.toMatchObject(
      failure('conflict', 'email: is already in use.'),
    );
  });
});

describe('GetUser and GetUserByEmail', () => {
  it('returns a live profile by id (in any case) and by email (case-insensitively)', async () => {
    const user = await signUp();
    expect(await operations.getUser({ id: user.id })).toEqual({ user });
    expect(await operations.getUser({ id: ` ${user.id.toUpperCase()} ` })).toEqual({ user });
    expect(await operations.getUserByEmail({ email: 'ADA@EXAMPLE.COM' })).toEqual({ user });
  });

  it('names a missing id, and answers not_found for a malformed, unknown or deleted one', async () => {
    await expect(operations.getUser({ id: '' })).rejects.toMatchObject(failure('invalid_argument', 'id: is required.'));
    await expect(operations.getUser({ id: '   ' })).rejects.toMatchObject(failure('invalid_argument', 'id: is required.'));
    for (const id of ['42', 'not-a-uuid', "'; drop table users; --", `${UNKNOWN_ID}0`, UNKNOWN_ID]) {
      await expect(operations.getUser({ id })).rejects.toMatchObject(NOT_FOUND);
    }
    const user = await signUp();
    await operations.deleteUser({ id: user.id, purge: false });
    await expect(operations.getUser({ id: user.id })).rejects.toMatchObject(NOT_FOUND);
    await expect(operations.getUserByEmail({ email: 'ada@example.com' })).rejects.toMatchObject(NOT_FOUND);
  });

  it('validates the email of GetUserByEmail', async () => {
    await expect(operations.getUserByEmail({ email: '' })).rejects.toMatchObject(failure('invalid_argument', 'email: is required.'));
    await expect(operations.getUserByEmail({ email: 'nope' })).rejects.toMatchObject(failure('invalid_argument', /^email: /));
    await expect(operations.getUserByEmail({ email: 'nobody@example.com' })).rejects.toMatchObject(NOT_FOUND);
  });
});

describe('UpdateUser', () => {
  it('changes only the fields that are set, normalised', async () => {
    const user = await signUp();
    clock.advance(1_000);
    const renamed = await operations.updateUser({ id: user.id, displayName: '  Countess  of Lovelace ' });
    expect(renamed.user).toEqual({ ...user, displayName: 'Countess of Lovelace', updatedAt: clock.now() });
    const moved = await operations.updateUser({ id: user.id, email: ' Ada@LOVELACE.org ' });
    expect(moved.user).toMatchObject({ email: 'Ada@lovelace.org', displayName: 'Countess of Lovelace' });
    expect(await operations.updateUser({ id: user.id })).toEqual(moved);
  });

  it('names the bad field and changes nothing', async () => {
    const user = await signUp();
    await expect(operations.updateUser({ id: '', displayName: 'X' })).rejects.toMatchObject(failure('invalid_argument', 'id: is required.'));
    await expect(operations.updateUser({ id: user.id, email: 'bad', displayName: 'X' })).rejects.toMatchObject(failure('invalid_argument', /^email: /));
    await expect(operations.updateUser({ id: user.id, displayName: '' })).rejects.toMatchObject(failure('invalid_argument', 'displayName: is required.'));
    expect((await operations.getUser({ id: user.id })).user).toEqual(user);
  });

  it('refuses a taken email with conflict, and not_found for a deleted or unknown profile', async () => {
    await signUp('ada@example.com');
    const grace = await signUp('grace@example.com', 'Grace Hopper');
    await expect(operations.updateUser({ id: grace.id, email: 'Ada@Example.com' })).rejects.toMatchObject(failure('conflict', 'email: is already in use.'));
    await operations.deleteUser({ id: grace.id, purge: false });
    await expect(operations.updateUser({ id: grace.id, displayName: 'Ghost' })).rejects.toMatchObject(NOT_FOUND);
    await expect(operations.updateUser({ id: 'not-a-uuid', displayName: 'Ghost' })).rejects.toMatchObject(NOT_FOUND);
  });

  it('never grants admin for changing to a listed admin email', async () => {
    const user = await signUp();
    expect((await operations.updateUser({ id: user.id, email: 'root@example.com' })).user?.admin).toBe(false);
  });
});

describe('DeleteUser', () => {
  it('soft-deletes (idempotently), lets the email sign up again, and purges on request', async () => {
    const user = await signUp();
    expect(await operations.deleteUser({ id: user.id, purge: false })).toEqual({});
    expect(await operations.deleteUser({ id: user.id, purge: false })).toEqual({});
    const again = await signUp('ADA@example.com');
    expect(again.id).not.toBe(user.id);
    // Purge removes a deleted profile and a live one; afterwards the id is unknown.
    expect(await operations.deleteUser({ id: user.id, purge: true })).toEqual({});
    expect(await operations.deleteUser({ id: again.id, purge: true })).toEqual({});
    await expect(operations.deleteUser({ id: again.id, purge: true })).rejects.toMatchObject(NOT_FOUND);
    await expect(operations.deleteUser({ id: again.id, purge: false })).rejects.toMatchObject(NOT_FOUND);
  });

  it('names a missing id and answers not_found for a malformed one', async () => {
    await expect(operations.deleteUser({ id: '', purge: false })).rejects.toMatchObject(failure('invalid_argument', 'id: is required.'));
    await expect(operations.deleteUser({ id: 'x', purge: true })).rejects.toMatchObject(NOT_FOUND);
  });
});

describe('ListUsers', () => {
  async function seed(count: number): Promise<void> {
    for (let n = 0; n < count; n += 1) {
      clock.advance(1);
      await signUp(`user${n}@example.com`, `User ${n}`);
    }
  }

  it(`pages by ${DEFAULT_PAGE_SIZE} when page_size is 0, and ends with an empty next_page_token`, async () => {
    await seed(DEFAULT_PAGE_SIZE + 1);
    const first = await operations.listUsers({ pageSize: 0, pageToken: '' });
    expect(first.users).toHaveLength(DEFAULT_PAGE_SIZE);
    expect(first.nextPageToken).not.toBe('');
    const second = await operations.listUsers({ pageSize: 0, pageToken: first.nextPageToken });
    expect(second.users.map((user) => user.email)).toEqual([`user${DEFAULT_PAGE_SIZE}@example.com`]);
    expect(second.nextPageToken).toBe('');
  });

  it(`lowers a page_size above ${MAX_PAGE_SIZE} to ${MAX_PAGE_SIZE}`, async () => {
    await seed(MAX_PAGE_SIZE + 1);
    const page = await operations.listUsers({ pageSize: 10_000, pageToken: '' });
    expect(page.users).toHaveLength(MAX_PAGE_SIZE);
    expect(page.nextPageToken).not.toBe('');
  });

  it('leaves deleted profiles out and maps each to the contract User', async () => {
    const ada = await signUp('ada@example.com');
    const grace = await signUp('grace@example.com', 'Grace');
    await operations.deleteUser({ id: ada.id, purge: false });
    expect(await operations.listUsers({ pageSize: 10, pageToken: '' })).toEqual({ users: [grace], nextPageToken: '' });
  });

  it('refuses a negative page_size and a bad page_token, naming the field', async () => {
    await expect(operations.listUsers({ pageSize: -1, pageToken: '' })).rejects.toMatchObject(failure('invalid_argument', 'pageSize: must not be negative.'));
    await expect(operations.listUsers({ pageSize: 1, pageToken: 'bm90LWEtdG9rZW4' })).rejects.toMatchObject(
      failure('invalid_argument', 'pageToken: is not valid.'),
    );
  });
});

describe('UserService over a real grpc-js server', () => {
  const server = new Server();
  const log = capturingLogger();
  let client: userV1.UserServiceClient | undefined;

  const users = (): userV1.UserServiceClient => {
    if (client === undefined) throw new Error('the client did not start');
    return client;
  };

  beforeAll(async () => {
    const implementation = userServiceImplementation(
      new UserOperations({ repository: new KnexUserRepository(database()), adminEmails: [] }),
      log.logger,
    );
    server.addService(userV1.UserServiceService, notImplementedService(userV1.UserServiceService, implementation).implementation);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    client = new userV1.UserServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  });

  it('creates, reads, updates, lists and deletes through the wire, with timestamps as Dates', async () => {
    const { user } = await unaryCall(users().createUser.bind(users()), { email: 'Ada@Example.com', displayName: 'Ada' }, 5_000);
    if (user === undefined) throw new Error('CreateUser returned no user');
    expect(user).toMatchObject({ email: 'Ada@example.com', displayName: 'Ada', admin: false, deletedAt: undefined });
    expect(user.createdAt).toBeInstanceOf(Date);
    expect(await unaryCall(users().getUser.bind(users()), { id: user.id }, 5_000)).toEqual({ user });
    expect(await unaryCall(users().getUserByEmail.bind(users()), { email: 'ada@EXAMPLE.com' }, 5_000)).toEqual({ user });
    const updated = await unaryCall(users().updateUser.bind(users()), { id: user.id, displayName: 'Countess' }, 5_000);
    expect(updated.user).toMatchObject({ id: user.id, displayName: 'Countess', email: 'Ada@example.com' });
    const listed = await unaryCall(users().listUsers.bind(users()), { pageSize: 0, pageToken: '' }, 5_000);
    expect(listed).toEqual({ users: [updated.user], nextPageToken: '' });
    expect(await unaryCall(users().deleteUser.bind(users()), { id: user.id, purge: false }, 5_000)).toEqual({});
    await expect(unaryCall(users().getUser.bind(users()), { id: user.id }, 5_000)).rejects.toMatchObject(NOT_FOUND);
  });

  it('carries each error code and field-naming detail across, never a database error', async () => {
    const call = (id: string) => unaryCall(users().getUser.bind(users()), { id }, 5_000);
    await expect(call('')).rejects.toBeInstanceOf(AppError);
    await expect(call('')).rejects.toMatchObject(failure('invalid_argument', 'id: is required.'));
    await expect(call('not-a-uuid')).rejects.toMatchObject(NOT_FOUND);
    await unaryCall(users().createUser.bind(users()), { email: 'grace@example.com', displayName: 'Grace' }, 5_000);
    await expect(unaryCall(users().createUser.bind(users()), { email: 'GRACE@example.com', displayName: 'G' }, 5_000)).rejects.toMatchObject(
      failure('conflict', 'email: is already in use.'),
    );
    await expect(unaryCall(users().listUsers.bind(users()), { pageSize: 5, pageToken: '%%%' }, 5_000)).rejects.toMatchObject(
      failure('invalid_argument', 'pageToken: is not valid.'),
    );
    expect(log.lines().filter((line) => line['msg'] === 'rpc handler failed')).toEqual([]);
  });
});

describe('user events (written to the outbox with each change)', () => {
  it('emits created, updated (with the changed fields) and deleted, with ids only', async () => {
    const user = await signUp();
    await operations.updateUser({ id: user.id, displayName: 'Ada King' });
    await operations.updateUser({ id: user.id });
    await operations.deleteUser({ id: user.id, purge: false });
    await operations.deleteUser({ id: user.id, purge: false });
    await operations.deleteUser({ id: user.id, purge: true });
    expect(await outboxEvents(database())).toEqual([
      { type: 'user.created', subject: user.id, data: { userId: user.id } },
      { type: 'user.updated', subject: user.id, data: { userId: user.id, fields: ['displayName'] } },
      // The second soft delete changed nothing, so it wrote nothing.
      { type: 'user.deleted', subject: user.id, data: { userId: user.id, purged: false } },
      { type: 'user.deleted', subject: user.id, data: { userId: user.id, purged: true } },
    ]);
  });

  it('emits nothing when the change is refused', async () => {
    const user = await signUp();
    await signUp('grace@example.com', 'Grace');
    await expect(operations.createUser({ email: 'ADA@example.com', displayName: 'Copy' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(operations.updateUser({ id: user.id, email: 'Grace@example.com' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(operations.deleteUser({ id: UNKNOWN_ID, purge: true })).rejects.toMatchObject({ code: 'not_found' });
    expect((await outboxEvents(database())).map((event) => event.type)).toEqual(['user.created', 'user.created']);
  });

  it('puts no email or display name in any event', async () => {
    const user = await signUp('private.person@example.com', 'Private Person');
    await operations.updateUser({ id: user.id, email: 'still.private@example.org', displayName: 'Still Private' });
    await operations.deleteUser({ id: user.id, purge: true });
    const rows = await outboxRows(database());
    expect(rows).toHaveLength(3);
    expect(rows.map((row) => row.serialized).join('\n')).not.toMatch(/@|private/i);
  });
});
