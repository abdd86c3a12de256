import { createDatabase, type Database } from '@coffer/db';
import { loadEngineEndpoints, requireEngine, uniqueName } from '@coffer/testing';
import { afterAll, beforeAll, describe } from 'vitest';
import { policyRepositoryContract } from './policy-repository.contract.js';

// A fresh database per run on the real server, dropped afterwards, so runs never see each
// other's rows or schema. A server that does not answer fails the file; it is never skipped.
const endpoints = loadEngineEndpoints();
const databaseName = uniqueName('policy_repo');
let admin: Database | undefined;

function urlOf(database: string): string {
  const url = new URL(endpoints.postgres.url);
  url.pathname = `/${database}`;
  return url.toString();
}

beforeAll(async () => {
  admin = await createDatabase(endpoints.postgres.url, { pool: { max: 1 } });
  const server = admin;
  await requireEngine('postgres', () => server.ping(), { endpoints });
  await server.knex.raw('create database ??', [databaseName]);
});

afterAll(async () => {
  try {
    await admin?.knex.raw('drop database if exists ?? with (force)', [databaseName]);
  } finally {
    await admin?.close();
  }
});

describe('KnexPolicyRepository on PostgreSQL (real server)', () => {
  policyRepositoryContract(() => createDatabase(urlOf(databaseName), { pool: { max: 4 } }));
});
