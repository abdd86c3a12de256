import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase, listAppliedMigrations, migrate, type Migration } from '../src/index.js';
import { registerDatabaseContract } from './database.contract.js';

registerDatabaseContract({
  engine: 'pglite',
  concurrentSessions: false,
  openDatabase: (options) => createDatabase('pglite://memory', options),
});

describe('pglite only', () => {
  const folder = mkdtempSync(join(tmpdir(), 'coffer-db-pglite-'));

  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('is one embedded PostgreSQL backend', async () => {
    const db = await createDatabase('pglite://memory');
    try {
      expect(db.engine).toBe('pglite');
      expect(db.maxConnections).toBe(1);
      const version = await db.knex.raw<{ rows: { version: string }[] }>('select version()');
      expect(version.rows[0]?.version).toMatch(/^PostgreSQL 1[7-9]\.\d+ \(PGlite /);
    } finally {
      await db.close();
    }
  });

  it('keeps its data in a folder (created when missing) across close and reopen', async () => {
    const dataDir = join(folder, 'nested', 'users');
    const url = `pglite://${dataDir}`;
    const migrations: Migration[] = [
      { name: '0001_create_users', up: (knex) => knex.raw('create table users (email text primary key)') },
    ];

    const first = await createDatabase(url);
    try {
      expect((await migrate(first, { schema: 'users', migrations })).applied).toEqual(['0001_create_users']);
      await first.knex.withSchema('users').table('users').insert({ email: 'ann@example.com' });
    } finally {
      await first.close();
    }
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);

    const second = await createDatabase(url);
    try {
      expect((await migrate(second, { schema: 'users', migrations })).applied).toEqual([]);
      expect((await listAppliedMigrations(second, 'users')).map((migration) => migration.name)).toEqual(['0001_create_users']);
      expect(await second.knex.withSchema('users').table('users').pluck('email')).toEqual(['ann@example.com']);
    } finally {
      await second.close();
    }
  });
});
