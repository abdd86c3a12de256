import { createDatabase } from '@coffer/db';
import { createTemporaryPostgresDatabase, type TemporaryPostgresDatabase } from '@coffer/testing';
import { afterAll, beforeAll, describe } from 'vitest';
import { userRepositoryContract } from './user-repository.contract.js';

// A fresh database per run on the real server, dropped afterwards, so runs never see each
// other's rows or schema. A server that does not answer fails the file; it is never skipped.
let database: TemporaryPostgresDatabase | undefined;
const databaseUrl = (): string => {
  if (!database) throw new Error('the temporary database is not ready');
  return database.url;
};

beforeAll(async () => {
  database = await createTemporaryPostgresDatabase('user_repo');
});

afterAll(async () => {
  await database?.drop();
});

describe('KnexUserRepository on PostgreSQL (real server)', () => {
  userRepositoryContract(() => createDatabase(databaseUrl(), { pool: { max: 4 } }));
});
