import { loadEngineEndpoints, requireEngine, uniqueName } from '@coffer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONNECTION_RETRY_AFTER_SECONDS,
  DbError,
  MigrationError,
  createDatabase,
  databaseReadinessCheck,
  migrate,
  withTransaction,
  type Database,
} from '../src/index.js';
import { schemaLockKey } from '../src/migrate.js';
import { registerDatabaseContract } from './database.contract.js';

const endpoints = loadEngineEndpoints();
/** A database of its own for this run, dropped afterwards. */
const databaseName = uniqueName('coffer_db_test');
let admin: Database | undefined;
let created = false;
let testUrl: string;

function urlFor(database: string, change: (url: URL) => void = () => undefined): string {
  const url = new URL(endpoints.postgres.url);
  url.pathname = `/${database}`;
  change(url);
  return url.toString();
}

beforeAll(async () => {
  const server = await createDatabase(endpoints.postgres.url, { pool: { max: 1 }, connectTimeoutMs: 3_000 });
  admin = server;
  await requireEngine('postgres', () => server.ping(), { endpoints });
  await server.knex.raw('create database ??', [databaseName]);
  created = true;
  testUrl = urlFor(databaseName);
});

afterAll(async () => {
  try {
    // WITH (FORCE) (PostgreSQL 13+) also ends sessions a failed test may have left open.
    if (created) await admin?.knex.raw('drop database if exists ?? with (force)', [databaseName]);
  } finally {
    await admin?.close();
  }
});

registerDatabaseContract({
  engine: 'postgres',
  concurrentSessions: true,
  openDatabase: (options) => createDatabase(testUrl, options),
});

describe('postgres only', () => {
  const handles: Database[] = [];
  async function open(url: string, options?: Parameters<typeof createDatabase>[1]): Promise<Database> {
    const handle = await createDatabase(url, options);
    handles.push(handle);
    return handle;
  }

  afterAll(async () => {
    await Promise.all(handles.map((handle) => handle.close()));
  });

  it('uses the pool size it was given and talks to a PostgreSQL server', async () => {
    const db = await open(testUrl, { pool: { max: 3 } });
    expect(db.maxConnections).toBe(3);
    expect(db.displayUrl).toContain(':[redacted]@');
    const version = await db.knex.raw<{ rows: { server_version_num: string }[] }>('show server_version_num');
    expect(Number(version.rows[0]?.server_version_num)).toBeGreaterThanOrEqual(150_000);
  });

  it('reports an unreachable server as unavailable with a retry delay, and fails readiness', async () => {
    const db = await open('postgres://coffer:coffer@127.0.0.1:1/coffer', { connectTimeoutMs: 1_000, acquireTimeoutMs: 3_000 });
    const failure = await db.ping().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(DbError);
    expect(failure).toMatchObject({ code: 'unavailable', retryAfterSeconds: CONNECTION_RETRY_AFTER_SECONDS });
    await expect(databaseReadinessCheck(db)()).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('reports a wrong password as unavailable without repeating it', async () => {
    const db = await open(urlFor(databaseName, (url) => (url.password = 'not-the-password')), { acquireTimeoutMs: 5_000 });
    const failure = await db.ping().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 'unavailable', sqlState: '28P01' });
    expect(JSON.stringify(failure)).not.toContain('not-the-password');
    expect((failure as DbError).message).not.toContain('not-the-password');
    expect(db.displayUrl).not.toContain('not-the-password');
  });

  it('reports a missing database as unavailable', async () => {
    const db = await open(urlFor(uniqueName('coffer_db_missing')), { acquireTimeoutMs: 5_000 });
    await expect(db.ping()).rejects.toMatchObject({ code: 'unavailable', sqlState: '3D000' });
  });

  it('stops a statement at the statement timeout and reports deadline_exceeded', async () => {
    const db = await open(testUrl, { statementTimeoutMs: 100 });
    const started = Date.now();
    await expect(withTransaction(db, (trx) => trx.raw('select pg_sleep(2)'))).rejects.toMatchObject({
      code: 'deadline_exceeded',
      sqlState: '57014',
    });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('waits for another process migrating the same schema, up to lockWaitMs, then fails without applying anything', async () => {
    const schema = uniqueName('svc');
    const db = await open(testUrl);
    const other = await open(testUrl);
    const holder = await other.knex.transaction();
    try {
      await holder.raw('select pg_advisory_xact_lock(?, ?)', [0x434f4646, schemaLockKey(schema)]);
      const started = Date.now();
      const failure = await migrate(db, {
        schema,
        lockWaitMs: 300,
        migrations: [{ name: '0001_t', up: (knex) => knex.raw('create table t (n int)') }],
      }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(failure).toBeInstanceOf(MigrationError);
      expect(failure).toMatchObject({ schema, migration: undefined, message: expect.stringMatching(/failed \(unavailable\)/) as unknown });
    } finally {
      await holder.rollback();
    }
    const result = await migrate(db, { schema, migrations: [{ name: '0001_t', up: (knex) => knex.raw('create table t (n int)') }] });
    expect(result.applied).toEqual(['0001_t']);
  });
});
