import { credentials, Metadata, Server, ServerCredentials, status, type ServiceError } from '@grpc/grpc-js';
import { metadataV1 } from '@coffer/contracts';
import type { Database } from '@coffer/db';
import { notImplementedService, unaryCall } from '@coffer/platform';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KnexFileRepository } from './file-repository.js';
import { DEFAULT_PAGE_SIZE, MAX_KEYS_PER_CALL, MetadataOperations, metadataServiceImplementation } from './metadata-service.js';
import { capturingLogger, clearMetadata, newId, openMigratedPglite, outboxEvents, PGLITE_START_TIMEOUT_MS, sha256Of, TestClock } from './metadata-test.fixture.js';

let db: Database | undefined;
let clock: TestClock;
let operations: MetadataOperations;
let owner: string;

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
  await clearMetadata(database());
  clock = new TestClock();
  operations = new MetadataOperations({ repository: new KnexFileRepository(database(), { now: clock.now }) });
  owner = newId();
});

let keyCounter = 0;

function createRequest(overrides: Partial<metadataV1.CreateFileRequest> = {}, file: Partial<metadataV1.FileRecord> = {}): metadataV1.CreateFileRequest {
  keyCounter += 1;
  return metadataV1.CreateFileRequest.fromPartial({
    actorId: owner,
    ...overrides,
    file: {
      ownerId: owner,
      name: 'notes.txt',
      folder: '/',
      sizeBytes: 11,
      declaredContentType: 'text/plain',
      sniffedContentType: 'text/plain',
      sha256: sha256Of(`svc-${keyCounter}`),
      hmacSha256: sha256Of(`svc-hmac-${keyCounter}`),
      hmacKeyId: 'k1',
      storageKey: `svc/${keyCounter}-${newId()}`,
      ...file,
    },
  });
}

async function create(overrides: Partial<metadataV1.CreateFileRequest> = {}, file: Partial<metadataV1.FileRecord> = {}): Promise<metadataV1.FileRecord> {
  const response = await operations.createFile(createRequest(overrides, file));
  if (response.file === undefined) throw new Error('CreateFile returned no file');
  return response.file;
}

const failure = (code: string, detail?: string | RegExp) =>
  detail === undefined ? { code } : { code, detail: typeof detail === 'string' ? detail : (expect.stringMatching(detail) as unknown) };

describe('CreateFile', () => {
  it('returns the contract FileRecord, which survives the codec', async () => {
    const response = await operations.createFile(createRequest({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }));
    expect(response.created).toBe(true);
    const file = response.file;
    expect(file).toMatchObject({ ownerId: owner, name: 'notes.txt', folder: '/', sizeBytes: 11, version: 1, versionCount: 1, createdAt: clock.now(), deletedAt: undefined, quarantinedAt: undefined });
    expect(metadataV1.FileRecord.decode(metadataV1.FileRecord.encode(file ?? metadataV1.FileRecord.fromPartial({})).finish())).toEqual(file);
    const [event] = await outboxEvents(database());
    expect(event).toMatchObject({ type: 'file.uploaded', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
  });

  it('records the policy decision behind each change in its event, and none when there is none', async () => {
    const file = await create({ authorizedBy: 'grant:0190f5d2-7a6b-7c3d-8e9f-0a1b2c3d4e5f' });
    await operations.updateFile({ id: file.id, name: 'moved.txt', actorId: owner, traceparent: '', authorizedBy: 'owner' });
    await operations.deleteFile({ id: file.id, actorId: owner, purge: false, traceparent: '', authorizedBy: '' });
    const events = await outboxEvents(database());
    expect(events.map((event) => (event.data as Record<string, unknown>)['authorizedBy'])).toEqual(['grant:0190f5d2-7a6b-7c3d-8e9f-0a1b2c3d4e5f', 'owner', undefined]);
  });

  it('puts a file without a folder in the root folder, and drops an invalid traceparent', async () => {
    const file = await create({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' }, { folder: '' });
    expect(file.folder).toBe('/');
    const [event] = await outboxEvents(database());
    expect(event).not.toHaveProperty('traceparent');
  });

  it('adds versions, and refuses with if_absent', async () => {
    const first = await create();
    const second = await operations.createFile(createRequest());
    expect(second).toMatchObject({ created: false, file: { id: first.id, version: 2, versionCount: 2 } });
    await expect(operations.createFile(createRequest({ ifAbsent: true }))).rejects.toMatchObject(failure('conflict', /^name: /));
    const third = await operations.createFile(createRequest({ fileId: first.id }));
    expect(third.file?.version).toBe(3);
  });

  it('refuses over quota with a clear detail', async () => {
    await expect(operations.createFile(createRequest({ quota: { maxBytes: 10, maxFiles: 0 } }))).rejects.toMatchObject(
      failure('quota_exceeded', 'Storage quota exceeded: 0 of 10 bytes are used and this upload needs 11 more.'),
    );
    expect(await operations.getUsage({ ownerId: owner })).toEqual({ bytesUsed: 0, fileCount: 0 });
  });

  it.each([
    [{ file: undefined }, {}, failure('invalid_argument', 'file: is required.')],
    [{}, { ownerId: '' }, failure('invalid_argument', 'file.ownerId: is required.')],
    [{}, { ownerId: 'nope' }, failure('invalid_argument', 'file.ownerId: must be a UUID.')],
    [{ actorId: 'nope' }, {}, failure('invalid_argument', 'actorId: must be a UUID.')],
    [{ fileId: 'nope' }, {}, failure('invalid_argument', 'fileId: must be a UUID.')],
    [{ fileId: '0190f5a2-7b1c-7abc-8def-0123456789ab', ifAbsent: true }, {}, failure('invalid_argument', /^ifAbsent: /)],
    [{}, { name: '' }, failure('invalid_argument', /^name: /)],
    [{}, { name: 'x'.repeat(256) }, failure('invalid_argument', /^name: /)],
    [{}, { folder: 'x'.repeat(1_025) }, failure('invalid_argument', /^folder: /)],
    [{}, { sizeBytes: -1 }, failure('invalid_argument', /^file.sizeBytes: /)],
    [{}, { sha256: 'ABC' }, failure('invalid_argument', /^file.sha256: /)],
    [{}, { storageKey: '' }, failure('invalid_argument', /^file.storageKey: /)],
    [{ quota: { maxBytes: -1, maxFiles: 0 } }, {}, failure('invalid_argument', /^quota: /)],
  ])('refuses %o / %o', async (overrides, file, expected) => {
    const request = createRequest(overrides, file);
    await expect(operations.createFile('file' in overrides ? { ...request, file: undefined } : request)).rejects.toMatchObject(expected);
  });
});

describe('reads and changes', () => {
  it('GetFile: current, a given version, trash only when asked; NOT_FOUND otherwise', async () => {
    const file = await create();
    await create();
    expect((await operations.getFile({ id: file.id, version: 0, includeDeleted: false })).file?.version).toBe(2);
    expect((await operations.getFile({ id: file.id, version: 1, includeDeleted: false })).file).toMatchObject({ version: 1, storageKey: file.storageKey, versionCount: 2 });
    await expect(operations.getFile({ id: file.id, version: 3, includeDeleted: false })).rejects.toMatchObject(failure('not_found'));
    await expect(operations.getFile({ id: 'nope', version: 0, includeDeleted: false })).rejects.toMatchObject(failure('not_found'));
    await expect(operations.getFile({ id: '', version: 0, includeDeleted: false })).rejects.toMatchObject(failure('invalid_argument', 'id: is required.'));
    await expect(operations.getFile({ id: file.id, version: -1, includeDeleted: false })).rejects.toMatchObject(failure('invalid_argument'));
    await operations.deleteFile({ id: file.id, actorId: owner, purge: false, traceparent: '', authorizedBy: '' });
    await expect(operations.getFile({ id: file.id, version: 0, includeDeleted: false })).rejects.toMatchObject(failure('not_found'));
    expect((await operations.getFile({ id: file.id, version: 0, includeDeleted: true })).file?.deletedAt).toEqual(clock.now());
  });

  it('UpdateFile, DeleteFile, RestoreFile, ListVersions, GetUsage', async () => {
    const file = await create();
    await create({}, { name: 'other.txt' });
    const updated = await operations.updateFile({ id: file.id, name: 'renamed.txt', folder: '/docs', actorId: owner, traceparent: '', authorizedBy: '' });
    expect(updated.file).toMatchObject({ name: 'renamed.txt', folder: '/docs' });
    await expect(operations.updateFile({ id: file.id, name: 'other.txt', folder: '/', actorId: owner, traceparent: '', authorizedBy: '' })).rejects.toMatchObject(failure('conflict'));
    await expect(operations.updateFile({ id: file.id, name: '', actorId: owner, traceparent: '', authorizedBy: '' })).rejects.toMatchObject(failure('invalid_argument'));
    expect(await operations.deleteFile({ id: file.id, actorId: owner, purge: false, traceparent: '', authorizedBy: '' })).toEqual({ purgedStorageKeys: [] });
    expect((await operations.restoreFile({ id: file.id, actorId: owner, traceparent: '', authorizedBy: '' })).file?.deletedAt).toBeUndefined();
    expect((await operations.listVersions({ fileId: file.id })).versions.map((version) => version.createdBy)).toEqual([owner]);
    expect(await operations.getUsage({ ownerId: owner })).toEqual({ bytesUsed: 22, fileCount: 2 });
    expect(await operations.deleteFile({ id: file.id, actorId: owner, purge: true, traceparent: '', authorizedBy: '' })).toEqual({ purgedStorageKeys: [file.storageKey] });
    expect(await operations.getUsage({ ownerId: owner })).toEqual({ bytesUsed: 11, fileCount: 1 });
    await expect(operations.deleteFile({ id: file.id, actorId: owner, purge: true, traceparent: '', authorizedBy: '' })).rejects.toMatchObject(failure('not_found'));
    await expect(operations.restoreFile({ id: file.id, actorId: owner, traceparent: '', authorizedBy: '' })).rejects.toMatchObject(failure('not_found'));
    await expect(operations.listVersions({ fileId: file.id })).rejects.toMatchObject(failure('not_found'));
    await expect(operations.deleteFile({ id: newId(), actorId: 'x', purge: false, traceparent: '', authorizedBy: '' })).rejects.toMatchObject(failure('invalid_argument', 'actorId: must be a UUID.'));
    expect(await operations.getUsage({ ownerId: newId() })).toEqual({ bytesUsed: 0, fileCount: 0 });
  });

  it('QuarantineFile validates detected_by and reason', async () => {
    const file = await create();
    const base = { fileId: file.id, version: 1, reason: 'sha256 mismatch', detectedBy: 'scrub', traceparent: '' };
    await expect(operations.quarantineFile({ ...base, detectedBy: 'cron' })).rejects.toMatchObject(failure('invalid_argument', /^detectedBy: /));
    await expect(operations.quarantineFile({ ...base, reason: '' })).rejects.toMatchObject(failure('invalid_argument', /^reason: /));
    await expect(operations.quarantineFile({ ...base, reason: 'x'.repeat(501) })).rejects.toMatchObject(failure('invalid_argument', /^reason: /));
    await expect(operations.quarantineFile({ ...base, version: 2 })).rejects.toMatchObject(failure('not_found'));
    expect(await operations.quarantineFile(base)).toEqual({});
    expect((await operations.getFile({ id: file.id, version: 0, includeDeleted: false })).file?.quarantinedAt).toEqual(clock.now());
  });

  it('FindUnreferencedKeys takes at most 1000 keys; ScanVersions pages', async () => {
    const file = await create();
    expect(await operations.findUnreferencedKeys({ storageKeys: [file.storageKey, 'gone'] })).toEqual({ storageKeys: ['gone'] });
    await expect(operations.findUnreferencedKeys({ storageKeys: Array.from({ length: MAX_KEYS_PER_CALL + 1 }, (_, i) => `k${i}`) })).rejects.toMatchObject(
      failure('invalid_argument', /^storageKeys: /),
    );
    expect((await operations.scanVersions({ afterStorageKey: '', pageSize: 0 })).versions).toHaveLength(1);
    expect((await operations.scanVersions({ afterStorageKey: file.storageKey, pageSize: 5 })).versions).toEqual([]);
    await expect(operations.scanVersions({ afterStorageKey: '', pageSize: -1 })).rejects.toMatchObject(failure('invalid_argument'));
  });

  it('ListFiles: default page size, validated filters and a strict page token', async () => {
    for (let i = 0; i < DEFAULT_PAGE_SIZE + 1; i += 1) await create({}, { name: `f${String(i).padStart(3, '0')}` });
    const request = metadataV1.ListFilesRequest.fromPartial({ ownerId: owner, includeOwned: true });
    const first = await operations.listFiles(request);
    expect(first.files).toHaveLength(DEFAULT_PAGE_SIZE);
    const second = await operations.listFiles({ ...request, pageToken: first.nextPageToken });
    expect(second).toMatchObject({ files: [{ name: 'f050' }], nextPageToken: '' });
    await expect(operations.listFiles({ ...request, sort: metadataV1.FileSort.FILE_SORT_SIZE, pageToken: first.nextPageToken })).rejects.toMatchObject(
      failure('invalid_argument', 'pageToken: is not valid.'),
    );
    await expect(operations.listFiles({ ...request, contentType: 'text' })).rejects.toMatchObject(failure('invalid_argument', /^contentType: /));
    await expect(operations.listFiles({ ...request, ownerId: '' })).rejects.toMatchObject(failure('invalid_argument', 'ownerId: is required.'));
    await expect(operations.listFiles({ ...request, pageSize: -1 })).rejects.toMatchObject(failure('invalid_argument'));
    await expect(operations.listFiles({ ...request, sort: 99 as metadataV1.FileSort })).rejects.toMatchObject(failure('invalid_argument', /^sort: /));
    expect((await operations.listFiles({ ...request, contentType: 'TEXT/*', pageSize: 1000 })).files).toHaveLength(DEFAULT_PAGE_SIZE + 1);
    const shared = await operations.listFiles(metadataV1.ListFilesRequest.fromPartial({ sharedFileIds: [first.files[0]?.id ?? '', 'not-a-uuid'] }));
    expect(shared.files.map((file) => file.name)).toEqual(['f000']);
  });
});

describe('MetadataService over a real grpc-js server', () => {
  const server = new Server();
  const log = capturingLogger();
  let client: metadataV1.MetadataServiceClient | undefined;

  const files = (): metadataV1.MetadataServiceClient => {
    if (client === undefined) throw new Error('the client did not start');
    return client;
  };

  /** The raw gRPC status code of a call. */
  function codeOf<Request>(
    method: (this: void, request: Request, metadata: Metadata, callback: (error: ServiceError | null) => void) => unknown,
    request: Request,
  ): Promise<number> {
    return new Promise((resolve) => {
      method(request, new Metadata(), (error) => resolve(error === null ? status.OK : error.code));
    });
  }

  beforeAll(async () => {
    const implementation = metadataServiceImplementation(new MetadataOperations({ repository: new KnexFileRepository(database()) }), log.logger);
    server.addService(metadataV1.MetadataServiceService, notImplementedService(metadataV1.MetadataServiceService, implementation).implementation);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    client = new metadataV1.MetadataServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  });

  it('implements every RPC of the contract', async () => {
    const file = (await unaryCall(files().createFile.bind(files()), createRequest(), 5_000)).file;
    if (file === undefined) throw new Error('CreateFile returned no file');
    expect(file.createdAt).toBeInstanceOf(Date);
    expect(await unaryCall(files().getFile.bind(files()), { id: file.id, version: 0, includeDeleted: false }, 5_000)).toEqual({ file });
    expect((await unaryCall(files().listFiles.bind(files()), metadataV1.ListFilesRequest.fromPartial({ ownerId: owner, includeOwned: true }), 5_000)).files).toEqual([file]);
    expect((await unaryCall(files().updateFile.bind(files()), { id: file.id, name: 'b.txt', actorId: owner, traceparent: '', authorizedBy: '' }, 5_000)).file?.name).toBe('b.txt');
    expect((await unaryCall(files().listVersions.bind(files()), { fileId: file.id }, 5_000)).versions).toHaveLength(1);
    expect(await unaryCall(files().getUsage.bind(files()), { ownerId: owner }, 5_000)).toEqual({ bytesUsed: 11, fileCount: 1 });
    expect(await unaryCall(files().quarantineFile.bind(files()), { fileId: file.id, version: 1, reason: 'bad', detectedBy: 'read', traceparent: '' }, 5_000)).toEqual({});
    expect(await unaryCall(files().findUnreferencedKeys.bind(files()), { storageKeys: ['x'] }, 5_000)).toEqual({ storageKeys: ['x'] });
    expect((await unaryCall(files().scanVersions.bind(files()), { afterStorageKey: '', pageSize: 10 }, 5_000)).versions[0]?.quarantinedAt).toBeInstanceOf(Date);
    expect(await unaryCall(files().deleteFile.bind(files()), { id: file.id, actorId: owner, purge: false, traceparent: '', authorizedBy: '' }, 5_000)).toEqual({ purgedStorageKeys: [] });
    expect((await unaryCall(files().restoreFile.bind(files()), { id: file.id, actorId: owner, traceparent: '', authorizedBy: '' }, 5_000)).file?.deletedAt).toBeUndefined();
    expect(await unaryCall(files().deleteFile.bind(files()), { id: file.id, actorId: owner, purge: true, traceparent: '', authorizedBy: '' }, 5_000)).toEqual({ purgedStorageKeys: [file.storageKey] });
  });

  it('maps each error to its gRPC status code, never a database error', async () => {
    const first = await create();
    expect(await codeOf(files().getFile.bind(files()), { id: newId(), version: 0, includeDeleted: false })).toBe(status.NOT_FOUND);
    expect(await codeOf(files().getFile.bind(files()), { id: '', version: 0, includeDeleted: false })).toBe(status.INVALID_ARGUMENT);
    expect(await codeOf(files().createFile.bind(files()), createRequest({ ifAbsent: true }))).toBe(status.ALREADY_EXISTS);
    expect(await codeOf(files().createFile.bind(files()), createRequest({ quota: { maxBytes: 1, maxFiles: 0 } }, { name: 'big' }))).toBe(status.RESOURCE_EXHAUSTED);
    await create({}, { name: 'taken' });
    expect(await codeOf(files().updateFile.bind(files()), { id: first.id, name: 'taken', actorId: owner, traceparent: '', authorizedBy: '' })).toBe(status.ALREADY_EXISTS);
    expect(await codeOf(files().listFiles.bind(files()), metadataV1.ListFilesRequest.fromPartial({ ownerId: owner, includeOwned: true, pageToken: 'bad!' }))).toBe(status.INVALID_ARGUMENT);
    expect(await codeOf(files().restoreFile.bind(files()), { id: newId(), actorId: owner, traceparent: '', authorizedBy: '' })).toBe(status.NOT_FOUND);
    expect(log.lines().filter((line) => line['msg'] === 'rpc handler failed')).toEqual([]);
  });
});
