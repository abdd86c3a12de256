import { createDatabase, migrate, type Database } from '@coffer/db';
import { createTemporaryPostgresDatabase, type TemporaryPostgresDatabase } from '@coffer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KnexFileRepository } from '../src/files/file-repository.js';
import { METADATA_SCHEMA, metadataMigrations } from '../src/files/metadata-migrations.js';
import { newId, upload } from '../src/files/metadata-test.fixture.js';
import { fileRepositoryContract } from './file-repository.contract.js';

// A fresh database per run on the real server, dropped afterwards, so runs never see each
// other's rows or schema. A server that does not answer fails the file; it is never skipped.
let database: TemporaryPostgresDatabase | undefined;
const databaseUrl = (): string => {
  if (!database) throw new Error('the temporary database is not ready');
  return database.url;
};

beforeAll(async () => {
  database = await createTemporaryPostgresDatabase('metadata_repo');
});

afterAll(async () => {
  await database?.drop();
});

describe('KnexFileRepository on PostgreSQL (real server)', () => {
  fileRepositoryContract(() => createDatabase(databaseUrl(), { pool: { max: 8 } }));
});

describe('KnexFileRepository on PostgreSQL: real concurrency', () => {
  let db: Database | undefined;

  beforeAll(async () => {
    db = await createDatabase(databaseUrl(), { pool: { max: 12 } });
    await migrate(db, { schema: METADATA_SCHEMA, migrations: metadataMigrations });
  });

  afterAll(async () => {
    await db?.close();
  });

  it('lets exactly one of many parallel uploads take the last quota bytes (each on its own connection)', async () => {
    if (db === undefined) throw new Error('the database did not open');
    const repository = new KnexFileRepository(db);
    const owner = newId();
    const quota = { maxBytes: 10_000, maxFiles: 0 };
    await repository.createFile(upload(owner, { name: 'base', size: 9_000, quota }));
    for (let round = 0; round < 3; round += 1) {
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => repository.createFile(upload(owner, { name: `r${round}-${i}`, size: 1_000, quota }))),
      );
      const won = results.filter((result) => result.status === 'fulfilled');
      expect(won).toHaveLength(round === 0 ? 1 : 0);
      for (const result of results) if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'quota_exceeded' });
    }
    expect(await repository.getUsage(owner)).toEqual({ bytesUsed: 10_000, fileCount: 2 });
    const [row] = (await db.knex.withSchema(METADATA_SCHEMA).table('file_versions').join('files', 'files.id', 'file_versions.file_id').where('files.owner_id', owner).sum<{ sum: string }[]>('size_bytes as sum')) as { sum: string }[];
    expect(Number(row?.sum)).toBe(10_000);
  });

  it('keeps usage exact under parallel uploads, purges and versions of one owner', async () => {
    if (db === undefined) throw new Error('the database did not open');
    const repository = new KnexFileRepository(db);
    const owner = newId();
    const created = await Promise.all(Array.from({ length: 8 }, (_, i) => repository.createFile(upload(owner, { name: `p${i % 4}`, size: 10 }))));
    const ids = [...new Set(created.map((result) => result.file.id))];
    expect(ids).toHaveLength(4);
    await Promise.all([
      ...ids.slice(0, 2).map((id) => repository.purgeFile(id, { actorId: owner })),
      ...ids.slice(2).map((id) => repository.createFile(upload(owner, { fileId: id, size: 5 }))),
    ]);
    expect(await repository.getUsage(owner)).toEqual({ bytesUsed: 2 * 20 + 2 * 5, fileCount: 2 });
  });
});
