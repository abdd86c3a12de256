import { listAppliedMigrations, migrate, withTransaction, type Database } from '@coffer/db';
import { writeToOutbox } from '@coffer/outbox';
import { AppError } from '@coffer/platform';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { metadataEvent } from '../src/files/file-events.js';
import { KnexFileRepository, type FileWithVersion, type ListFilesOptions } from '../src/files/file-repository.js';
import { METADATA_SCHEMA, metadataMigrations } from '../src/files/metadata-migrations.js';
import { clearMetadata, newId, outboxEvents, TestClock, upload } from '../src/files/metadata-test.fixture.js';

const CONFLICT = { code: 'conflict' };
const QUOTA = { code: 'quota_exceeded' };
const BAD_PAGE_TOKEN = { code: 'invalid_argument', detail: 'pageToken: is not valid.' };
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/**
 * The behaviour every {@link KnexFileRepository} database must show. Registers its tests in the
 * calling `describe`; `openDatabase` gives an empty database, which the suite migrates and
 * closes at the end.
 */
export function fileRepositoryContract(openDatabase: () => Promise<Database>): void {
  let db: Database | undefined;
  let clock: TestClock;
  let repository: KnexFileRepository;
  let owner: string;

  const database = (): Database => {
    if (db === undefined) throw new Error('the database did not open');
    return db;
  };

  beforeAll(async () => {
    db = await openDatabase();
    await migrate(db, { schema: METADATA_SCHEMA, migrations: metadataMigrations });
  });

  afterAll(async () => {
    await db?.close();
  });

  beforeEach(async () => {
    await clearMetadata(database());
    clock = new TestClock();
    repository = new KnexFileRepository(database(), { now: clock.now });
    owner = newId();
  });

  const count = async (table: string): Promise<number> => {
    const rows = (await database().knex.withSchema(METADATA_SCHEMA).table(table).count<{ count: string }[]>('* as count')) as { count: string }[];
    return Number(rows[0]?.count ?? 0);
  };

  describe('migrations', () => {
    it('are recorded, and running them again applies nothing', async () => {
      const again = await migrate(database(), { schema: METADATA_SCHEMA, migrations: metadataMigrations });
      expect(again.applied).toEqual([]);
      const applied = await listAppliedMigrations(database(), METADATA_SCHEMA);
      expect(applied.map((migration) => migration.name)).toEqual(['0001_create_files', '0002_create_outbox']);
    });

    it('refuse names and folders beyond their lengths, and a malformed sha256, as a last line of defence', async () => {
      await expect(repository.createFile(upload(owner, { name: 'x'.repeat(256) }))).rejects.toMatchObject({ code: 'invalid_argument' });
      await expect(repository.createFile(upload(owner, { folder: '' }))).rejects.toMatchObject({ code: 'invalid_argument' });
      const bad = upload(owner);
      await expect(repository.createFile({ ...bad, content: { ...bad.content, sha256: 'ABC' } })).rejects.toMatchObject({ code: 'invalid_argument' });
      expect(await count('files')).toBe(0);
    });
  });

  describe('CreateFile and versions', () => {
    it('creates a file with a UUIDv7 id at version 1, and counts its bytes', async () => {
      const input = upload(owner, { size: 1234, traceparent: TRACEPARENT });
      const { file, created } = await repository.createFile(input);
      expect(created).toBe(true);
      expect(file).toMatchObject({
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/) as unknown,
        ownerId: owner,
        name: 'report.pdf',
        folder: '/',
        currentVersion: 1,
        versionCount: 1,
        createdAt: clock.now(),
        updatedAt: clock.now(),
        deletedAt: undefined,
        version: { version: 1, sizeBytes: 1234, storageKey: input.content.storageKey, sha256: input.content.sha256, createdBy: owner, quarantinedAt: undefined },
      });
      expect(await repository.getFile(file.id)).toEqual(file);
      expect(await repository.getUsage(owner)).toEqual({ bytesUsed: 1234, fileCount: 1 });
      const [event] = await outboxEvents(database());
      expect(event).toMatchObject({
        type: 'file.uploaded',
        source: 'coffer/metadata',
        subject: file.id,
        traceparent: TRACEPARENT,
        data: { fileId: file.id, ownerId: owner, actorId: owner, name: 'report.pdf', folder: '/', version: 1, size: 1234, created: true },
      });
    });

    it('adds a version to the live file with the same owner, folder and name; the old version stays readable', async () => {
      const first = await repository.createFile(upload(owner, { size: 10 }));
      clock.advance(1_000);
      const grantee = newId();
      const second = await repository.createFile(upload(owner, { size: 20, actorId: grantee }));
      expect(second.created).toBe(false);
      expect(second.file).toMatchObject({ id: first.file.id, currentVersion: 2, versionCount: 2, createdAt: first.file.createdAt, updatedAt: clock.now() });
      expect(second.file.version).toMatchObject({ version: 2, sizeBytes: 20, createdBy: grantee });
      expect((await repository.getFile(first.file.id, { version: 1 }))?.version).toEqual(first.file.version);
      expect(await repository.getFile(first.file.id, { version: 3 })).toBeUndefined();
      const versions = await repository.listVersions(first.file.id);
      expect(versions?.map((version) => version.version)).toEqual([2, 1]);
      expect(await repository.getUsage(owner)).toEqual({ bytesUsed: 30, fileCount: 1 });
      const events = await outboxEvents(database());
      expect(events.map((event) => [event.type, (event.data as { version: number; created: boolean }).version, (event.data as { created: boolean }).created])).toEqual([
        ['file.uploaded', 1, true],
        ['file.uploaded', 2, false],
      ]);
    });

    it('adds a version to file_id, whatever name is given; an unknown or trashed file_id is not found', async () => {
      const { file } = await repository.createFile(upload(owner));
      const next = await repository.createFile(upload(owner, { fileId: file.id, name: 'ignored.txt' }));
      expect(next).toMatchObject({ created: false, file: { id: file.id, name: 'report.pdf', currentVersion: 2 } });
      await expect(repository.createFile(upload(owner, { fileId: newId() }))).rejects.toMatchObject({ code: 'not_found' });
      await expect(repository.createFile(upload(newId(), { fileId: file.id }))).rejects.toMatchObject({ code: 'invalid_argument' });
      await repository.trashFile(file.id, { actorId: owner });
      await expect(repository.createFile(upload(owner, { fileId: file.id }))).rejects.toMatchObject({ code: 'not_found' });
    });

    it('keeps files of other folders and owners apart', async () => {
      const a = await repository.createFile(upload(owner, { folder: '/a' }));
      const b = await repository.createFile(upload(owner, { folder: '/b' }));
      const c = await repository.createFile(upload(newId(), { folder: '/a' }));
      expect(new Set([a.file.id, b.file.id, c.file.id]).size).toBe(3);
      expect([a.created, b.created, c.created]).toEqual([true, true, true]);
    });

    it('refuses with if_absent when the name is taken, writing nothing', async () => {
      await repository.createFile(upload(owner, { size: 5 }));
      await expect(repository.createFile(upload(owner, { ifAbsent: true, size: 7 }))).rejects.toMatchObject(CONFLICT);
      expect(await count('file_versions')).toBe(1);
      expect(await repository.getUsage(owner)).toEqual({ bytesUsed: 5, fileCount: 1 });
      expect(await outboxEvents(database())).toHaveLength(1);
      // A trashed file does not hold its name.
      const other = await repository.createFile(upload(owner, { name: 'b.txt' }));
      await repository.trashFile(other.file.id, { actorId: owner });
      expect((await repository.createFile(upload(owner, { name: 'b.txt', ifAbsent: true }))).created).toBe(true);
    });

    it('refuses a storage key that is already recorded', async () => {
      await repository.createFile(upload(owner, { storageKey: 'objects/same' }));
      // The file row is written before the version fails: the whole change rolls back, event included.
      await expect(repository.createFile(upload(owner, { name: 'other', storageKey: 'objects/same' }))).rejects.toMatchObject(CONFLICT);
      expect(await count('files')).toBe(1);
      expect(await repository.getUsage(owner)).toEqual({ bytesUsed: 100, fileCount: 1 });
      expect(await outboxEvents(database())).toHaveLength(1);
    });
  });

  describe('quotas', () => {
    it('accepts an upload that reaches max_bytes exactly and refuses one byte more, writing nothing', async () => {
      const quota = { maxBytes: 1_000, maxFiles: 0 };
      await repository.createFile(upload(owner, { name: 'a', size: 600, quota }));
      await repository.createFile(upload(owner, { name: 'b', size: 400, quota }));
      expect(await repository.getUsage(owner)).toEqual({ bytesUsed: 1_000, fileCount: 2 });
      const refused = repository.createFile(upload(owner, { name: 'c', size: 1, quota }));
      await expect(refused).rejects.toMatchObject({ ...QUOTA, detail: expect.stringContaining('1000 of 1000 bytes') as unknown });
      await expect(repository.createFile(upload(owner, { name: 'a', size: 1, quota }))).rejects.toMatchObject(QUOTA);
      expect(await count('files')).toBe(2);
      expect(await count('file_versions')).toBe(2);
      expect(await repository.getUsage(owner)).toEqual({ bytesUsed: 1_000, fileCount: 2 });
      expect(await outboxEvents(database())).toHaveLength(2);
      // Zero-byte files fit a full quota.
      expect((await repository.createFile(upload(owner, { name: 'empty', size: 0, quota }))).created).toBe(true);
    });

    it('counts trashed files until they are purged', async () => {
      const quota = { maxBytes: 100, maxFiles: 0 };
      const { file } = await repository.createFile(upload(owner, { size: 100, quota }));
      await repository.trashFile(file.id, { actorId: owner });
      await expect(repository.createFile(upload(owner, { name: 'new', size: 1, quota }))).rejects.toMatchObject(QUOTA);
      await repository.purgeFile(file.id, { actorId: owner });
      expect(await repository.getUsage(owner)).toEqual({ bytesUsed: 0, fileCount: 0 });
      expect((await repository.createFile(upload(owner, { name: 'new', size: 100, quota }))).created).toBe(true);
    });

    it('limits the number of files, but not versions of an existing one', async () => {
      const quota = { maxBytes: 0, maxFiles: 2 };
      await repository.createFile(upload(owner, { name: 'a', quota }));
      await repository.createFile(upload(owner, { name: 'b', quota }));
      await expect(repository.createFile(upload(owner, { name: 'c', quota }))).rejects.toMatchObject({ ...QUOTA, detail: expect.stringContaining('2 of 2 files') as unknown });
      expect((await repository.createFile(upload(owner, { name: 'a', quota }))).created).toBe(false);
      expect(await repository.getUsage(owner)).toEqual({ bytesUsed: 300, fileCount: 2 });
    });

    it('races for the last bytes: exactly one of several concurrent uploads wins', async () => {
      const quota = { maxBytes: 1_000, maxFiles: 0 };
      await repository.createFile(upload(owner, { name: 'base', size: 900, quota }));
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) => repository.createFile(upload(owner, { name: `race-${i}`, size: 100, quota }))),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      for (const result of results) if (result.status === 'rejected') expect(result.reason).toMatchObject(QUOTA);
      expect(await repository.getUsage(owner)).toEqual({ bytesUsed: 1_000, fileCount: 2 });
      expect(await count('file_versions')).toBe(2);
    });

    it('races for one name: concurrent uploads of a new name make one file with versions', async () => {
      const results = await Promise.all(Array.from({ length: 5 }, () => repository.createFile(upload(owner, { name: 'same' }))));
      expect(new Set(results.map((result) => result.file.id)).size).toBe(1);
      expect(results.filter((result) => result.created)).toHaveLength(1);
      expect(results.map((result) => result.file.currentVersion).sort()).toEqual([1, 2, 3, 4, 5]);
    });
  });

  describe('UpdateFile', () => {
    it('renames and moves, writing file.updated with the previous place', async () => {
      const { file } = await repository.createFile(upload(owner));
      clock.advance(5);
      const actor = newId();
      const moved = await repository.updateFile(file.id, { name: 'final.pdf', folder: '/docs' }, { actorId: actor, traceparent: 'not-a-traceparent' });
      expect(moved).toMatchObject({ id: file.id, name: 'final.pdf', folder: '/docs', updatedAt: clock.now(), version: file.version });
      const events = await outboxEvents(database());
      expect(events[1]).toMatchObject({
        type: 'file.updated',
        data: { fileId: file.id, ownerId: owner, actorId: actor, name: 'final.pdf', folder: '/docs', previousName: 'report.pdf', previousFolder: '/' },
      });
      expect(events[1]).not.toHaveProperty('traceparent');
    });

    it('changes nothing and writes no event when nothing differs', async () => {
      const { file } = await repository.createFile(upload(owner));
      clock.advance(5);
      expect(await repository.updateFile(file.id, {}, { actorId: owner })).toEqual(file);
      expect(await repository.updateFile(file.id, { name: file.name, folder: file.folder }, { actorId: owner })).toEqual(file);
      expect(await outboxEvents(database())).toHaveLength(1);
    });

    it('fails conflict on a taken name, and finds no trashed or unknown file', async () => {
      await repository.createFile(upload(owner, { name: 'a', folder: '/x' }));
      const { file } = await repository.createFile(upload(owner, { name: 'b', folder: '/x' }));
      await expect(repository.updateFile(file.id, { name: 'a' }, { actorId: owner })).rejects.toMatchObject(CONFLICT);
      expect((await repository.getFile(file.id))?.name).toBe('b');
      expect(await outboxEvents(database())).toHaveLength(2);
      expect(await repository.updateFile(newId(), { name: 'c' }, { actorId: owner })).toBeUndefined();
      await repository.trashFile(file.id, { actorId: owner });
      expect(await repository.updateFile(file.id, { name: 'c' }, { actorId: owner })).toBeUndefined();
    });
  });

  describe('trash, restore and purge', () => {
    it('trashes (hidden unless asked for), keeps usage, and is idempotent', async () => {
      const { file } = await repository.createFile(upload(owner, { size: 50 }));
      clock.advance(10);
      expect(await repository.trashFile(file.id, { actorId: owner })).toBe(true);
      expect(await repository.getFile(file.id)).toBeUndefined();
      expect(await repository.getFile(file.id, { includeDeleted: true })).toMatchObject({ deletedAt: clock.now() });
      clock.advance(10);
      expect(await repository.trashFile(file.id, { actorId: owner })).toBe(true);
      expect((await repository.getFile(file.id, { includeDeleted: true }))?.deletedAt).toEqual(new Date(clock.now().getTime() - 10));
      expect(await repository.getUsage(owner)).toEqual({ bytesUsed: 50, fileCount: 1 });
      expect(await repository.trashFile(newId(), { actorId: owner })).toBe(false);
      const events = await outboxEvents(database());
      expect(events.map((event) => event.type)).toEqual(['file.uploaded', 'file.deleted']);
      expect(events[1]?.data).toEqual({ fileId: file.id, ownerId: owner, actorId: owner, purged: false });
    });

    it('restores a trashed file; conflict when its name was taken meanwhile', async () => {
      const { file } = await repository.createFile(upload(owner));
      await repository.trashFile(file.id, { actorId: owner });
      const restored = await repository.restoreFile(file.id, { actorId: owner });
      expect(restored).toMatchObject({ id: file.id, deletedAt: undefined });
      await repository.trashFile(file.id, { actorId: owner });
      await repository.createFile(upload(owner));
      await expect(repository.restoreFile(file.id, { actorId: owner })).rejects.toMatchObject(CONFLICT);
      expect((await repository.getFile(file.id, { includeDeleted: true }))?.deletedAt).toBeDefined();
      expect(await repository.restoreFile(newId(), { actorId: owner })).toBeUndefined();
      const types = (await outboxEvents(database())).map((event) => event.type);
      expect(types).toEqual(['file.uploaded', 'file.deleted', 'file.restored', 'file.deleted', 'file.uploaded']);
    });

    it('purges a file with every version, returns their keys and frees the usage', async () => {
      const one = await repository.createFile(upload(owner, { size: 10 }));
      const two = await repository.createFile(upload(owner, { size: 20 }));
      await repository.createFile(upload(owner, { name: 'keep', size: 5 }));
      const keys = await repository.purgeFile(one.file.id, { actorId: owner });
      expect(keys).toEqual([one.file.version.storageKey, two.file.version.storageKey]);
      expect(await repository.getFile(one.file.id, { includeDeleted: true })).toBeUndefined();
      expect(await repository.listVersions(one.file.id)).toBeUndefined();
      expect(await repository.getUsage(owner)).toEqual({ bytesUsed: 5, fileCount: 1 });
      expect(await repository.purgeFile(one.file.id, { actorId: owner })).toBeUndefined();
      const last = (await outboxEvents(database())).at(-1);
      expect(last).toMatchObject({ type: 'file.deleted', subject: one.file.id, data: { purged: true } });
    });

    it('purges a trashed file too', async () => {
      const { file } = await repository.createFile(upload(owner, { size: 10 }));
      await repository.trashFile(file.id, { actorId: owner });
      expect(await repository.purgeFile(file.id, { actorId: owner })).toEqual([file.version.storageKey]);
      expect(await repository.getUsage(owner)).toEqual({ bytesUsed: 0, fileCount: 0 });
    });
  });

  describe('QuarantineFile', () => {
    it('marks one version, keeps the first time, and writes integrity.failed once', async () => {
      await repository.createFile(upload(owner));
      const { file } = await repository.createFile(upload(owner));
      expect(await repository.quarantine({ fileId: file.id, version: 1, reason: 'sha256 mismatch on read', detectedBy: 'read' })).toBe(true);
      const at = clock.now();
      clock.advance(100);
      expect(await repository.quarantine({ fileId: file.id, version: 1, reason: 'again', detectedBy: 'scrub' })).toBe(true);
      expect((await repository.getFile(file.id, { version: 1 }))?.version.quarantinedAt).toEqual(at);
      expect((await repository.getFile(file.id))?.version.quarantinedAt).toBeUndefined();
      expect(await repository.quarantine({ fileId: file.id, version: 9, reason: 'x', detectedBy: 'scrub' })).toBe(false);
      expect(await repository.quarantine({ fileId: newId(), version: 1, reason: 'x', detectedBy: 'scrub' })).toBe(false);
      expect(await repository.quarantine({ fileId: file.id, version: 0, reason: 'current', detectedBy: 'scrub' })).toBe(true);
      const failed = (await outboxEvents(database())).filter((event) => event.type === 'integrity.failed');
      expect(failed.map((event) => event.data)).toEqual([
        { fileId: file.id, ownerId: owner, version: 1, detectedBy: 'read', reason: 'sha256 mismatch on read' },
        { fileId: file.id, ownerId: owner, version: 2, detectedBy: 'scrub', reason: 'current' },
      ]);
    });
  });

  describe('storage keys', () => {
    it('finds the keys no version refers to, in the order given, without duplicates', async () => {
      const { file } = await repository.createFile(upload(owner, { storageKey: 'k/2' }));
      await repository.createFile(upload(owner, { storageKey: 'k/4' }));
      expect(await repository.findUnreferencedKeys(['k/1', 'k/2', 'k/3', 'k/1', 'k/4', "k/'5"])).toEqual(['k/1', 'k/3', "k/'5"]);
      expect(await repository.findUnreferencedKeys([])).toEqual([]);
      await repository.purgeFile(file.id, { actorId: owner });
      expect(await repository.findUnreferencedKeys(['k/2', 'k/4'])).toEqual(['k/2', 'k/4']);
    });

    it('scans every version in storage-key order, page after page', async () => {
      const keys = Array.from({ length: 7 }, (_, i) => `s/${String.fromCharCode(103 - i)}`);
      for (const [i, key] of keys.entries()) await repository.createFile(upload(owner, { name: `f${i % 3}`, storageKey: key }));
      const seen: string[] = [];
      let after = '';
      for (;;) {
        const page = await repository.scanVersions(after, 3);
        seen.push(...page.map((version) => version.storageKey));
        if (page.length < 3) break;
        after = page.at(-1)?.storageKey ?? '';
      }
      expect(seen).toEqual([...keys].sort());
      expect(await repository.scanVersions('s/g', 10)).toEqual([]);
    });
  });

  describe('ListFiles', () => {
    const list = (options: Partial<ListFilesOptions> = {}) =>
      repository.listFiles({ ownerId: owner, includeOwned: true, sharedFileIds: [], trashed: false, sort: 'name', descending: false, pageSize: 50, ...options });

    const names = (files: readonly FileWithVersion[]) => files.map((file) => file.name);

    async function walk(options: Partial<ListFilesOptions>): Promise<FileWithVersion[]> {
      const all: FileWithVersion[] = [];
      let pageToken: string | undefined;
      for (let pages = 0; pages < 100; pages += 1) {
        const page = await list({ ...options, pageToken });
        all.push(...page.files);
        if (page.nextPageToken === undefined) return all;
        expect(page.files).toHaveLength(options.pageSize ?? 50);
        pageToken = page.nextPageToken;
      }
      throw new Error('paging did not end');
    }

    it.each([
      ['name', false],
      ['name', true],
      ['size', false],
      ['size', true],
      ['updated_at', false],
      ['updated_at', true],
    ] as const)('walks every page sorted by %s (descending %s) with ties, without duplicates or gaps', async (sort, descending) => {
      // 12 files over 3 folders: names repeat across folders, sizes repeat, timestamps repeat.
      for (let i = 0; i < 12; i += 1) {
        if (i % 4 === 0) clock.advance(1_000);
        await repository.createFile(upload(owner, { name: `n${i % 3}`, folder: `/f${Math.floor(i / 3)}`, size: (i % 2) * 10 }));
      }
      const everything = await walk({ sort, descending, pageSize: 50 });
      expect(everything).toHaveLength(12);
      for (const pageSize of [1, 2, 5]) {
        const walked = await walk({ sort, descending, pageSize });
        expect(walked.map((file) => file.id)).toEqual(everything.map((file) => file.id));
      }
      const key = (file: FileWithVersion) => (sort === 'name' ? file.name : sort === 'size' ? file.version.sizeBytes : file.updatedAt.getTime());
      for (let i = 1; i < everything.length; i += 1) {
        const [before, after] = [everything[i - 1], everything[i]];
        if (before === undefined || after === undefined) continue;
        const order = key(before) < key(after) ? -1 : key(before) > key(after) ? 1 : before.id < after.id ? -1 : 1;
        expect(order).toBe(descending ? 1 : -1);
      }
    });

    it('splits two equal rows over two pages', async () => {
      await repository.createFile(upload(owner, { name: 'same', folder: '/a', size: 7 }));
      await repository.createFile(upload(owner, { name: 'same', folder: '/b', size: 7 }));
      for (const sort of ['name', 'size', 'updated_at'] as const) {
        const first = await list({ sort, pageSize: 1 });
        expect(first.nextPageToken).toBeDefined();
        const second = await list({ sort, pageSize: 1, pageToken: first.nextPageToken });
        expect(second.nextPageToken).toBeUndefined();
        expect(new Set([...first.files, ...second.files].map((file) => file.id)).size).toBe(2);
      }
    });

    it('refuses a page token of another sort or direction, or a malformed one', async () => {
      await repository.createFile(upload(owner, { name: 'a' }));
      await repository.createFile(upload(owner, { name: 'b' }));
      const { nextPageToken } = await list({ pageSize: 1 });
      await expect(list({ sort: 'size', pageToken: nextPageToken })).rejects.toMatchObject(BAD_PAGE_TOKEN);
      await expect(list({ descending: true, pageToken: nextPageToken })).rejects.toMatchObject(BAD_PAGE_TOKEN);
      await expect(list({ pageToken: 'garbage!' })).rejects.toMatchObject(BAD_PAGE_TOKEN);
    });

    it('filters by exact folder, name prefix (LIKE wildcards taken literally) and sniffed content type', async () => {
      await repository.createFile(upload(owner, { name: '100% done.txt', sniffed: 'text/plain' }));
      await repository.createFile(upload(owner, { name: '100 items.txt', sniffed: 'text/plain; charset=utf-8' }));
      await repository.createFile(upload(owner, { name: 'a_b.png', sniffed: 'image/png' }));
      await repository.createFile(upload(owner, { name: 'axb.jpg', sniffed: 'image/jpeg' }));
      await repository.createFile(upload(owner, { name: 'back\\slash', folder: '/deep', sniffed: 'application/octet-stream' }));
      expect(names((await list({ namePrefix: '100%' })).files)).toEqual(['100% done.txt']);
      expect(names((await list({ namePrefix: 'a_' })).files)).toEqual(['a_b.png']);
      expect(names((await list({ namePrefix: 'back\\' })).files)).toEqual(['back\\slash']);
      expect(names((await list({ namePrefix: '%' })).files)).toEqual([]);
      expect(names((await list({ folder: '/deep' })).files)).toEqual(['back\\slash']);
      expect(names((await list({ folder: '/' })).files)).toHaveLength(4);
      expect(names((await list({ folder: '/de' })).files)).toEqual([]);
      expect(names((await list({ contentType: 'image/*' })).files)).toEqual(['a_b.png', 'axb.jpg']);
      expect(names((await list({ contentType: 'image/png' })).files)).toEqual(['a_b.png']);
      expect(names((await list({ contentType: 'text/plain' })).files)).toEqual(['100 items.txt', '100% done.txt']);
      expect(names((await list({ contentType: 'text/pla' })).files)).toEqual([]);
    });

    it('lists live shared files of other owners with the own ones, never their trash', async () => {
      const other = newId();
      const shared = await repository.createFile(upload(other, { name: 'shared.txt' }));
      const trashed = await repository.createFile(upload(other, { name: 'trashed.txt' }));
      const hidden = await repository.createFile(upload(other, { name: 'hidden.txt' }));
      await repository.trashFile(trashed.file.id, { actorId: other });
      await repository.createFile(upload(owner, { name: 'mine.txt' }));
      const sharedFileIds = [shared.file.id, trashed.file.id, newId()];
      expect(names((await list({ sharedFileIds })).files)).toEqual(['mine.txt', 'shared.txt']);
      expect(names((await list({ sharedFileIds, includeOwned: false })).files)).toEqual(['shared.txt']);
      expect(names((await list({ includeOwned: false })).files)).toEqual([]);
      expect(names((await list({ sharedFileIds, trashed: true })).files)).toEqual([]);
      expect(hidden.created).toBe(true);
    });

    it('lists the owner’s trash when asked, and only then', async () => {
      const { file } = await repository.createFile(upload(owner, { name: 'gone' }));
      await repository.createFile(upload(owner, { name: 'here' }));
      await repository.trashFile(file.id, { actorId: owner });
      expect(names((await list()).files)).toEqual(['here']);
      expect(names((await list({ trashed: true })).files)).toEqual(['gone']);
    });

    it('reports each file with its current version and version count', async () => {
      await repository.createFile(upload(owner, { size: 1 }));
      await repository.createFile(upload(owner, { size: 2 }));
      const [file] = (await list()).files;
      expect(file).toMatchObject({ currentVersion: 2, versionCount: 2, version: { version: 2, sizeBytes: 2 } });
    });
  });

  describe('outbox', () => {
    it('writes no event when the transaction rolls back', async () => {
      const id = newId();
      await expect(
        withTransaction(database(), async (trx) => {
          await writeToOutbox(trx, METADATA_SCHEMA, [
            metadataEvent('file.restored', { fileId: id, ownerId: owner, actorId: owner }, { time: clock.now() }),
          ]);
          throw new AppError('precondition_failed', { detail: 'rolled back' });
        }),
      ).rejects.toMatchObject({ code: 'precondition_failed', detail: 'rolled back' });
      expect(await outboxEvents(database())).toEqual([]);
    });

    it('writes one valid event per change, keyed by the file id', async () => {
      const { file } = await repository.createFile(upload(owner));
      await repository.updateFile(file.id, { name: 'x' }, { actorId: owner });
      await repository.trashFile(file.id, { actorId: owner });
      await repository.restoreFile(file.id, { actorId: owner });
      await repository.quarantine({ fileId: file.id, version: 1, reason: 'bad', detectedBy: 'scrub' });
      await repository.purgeFile(file.id, { actorId: owner });
      const events = await outboxEvents(database());
      expect(events.map((event) => event.type)).toEqual(['file.uploaded', 'file.updated', 'file.deleted', 'file.restored', 'integrity.failed', 'file.deleted']);
      expect(new Set(events.map((event) => event.subject))).toEqual(new Set([file.id]));
      expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
    });
  });
}
