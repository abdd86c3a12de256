import knex, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEngineEndpoints, requireEngine, uniqueName } from '../../src/index.js';

interface SmokeRow {
  id: number;
  label: string;
  payload: { n: number };
}

describe('postgres (real server, knex + pg)', () => {
  const endpoints = loadEngineEndpoints();
  const db: Knex = knex({
    client: 'pg',
    connection: { connectionString: endpoints.postgres.url, connectionTimeoutMillis: 3_000 },
    pool: { min: 0, max: 2 },
    acquireConnectionTimeout: 5_000,
  });

  beforeAll(async () => {
    await requireEngine('postgres', () => db.raw('select 1'), { endpoints });
  });

  afterAll(async () => {
    await db.destroy();
  });

  it('reports a PostgreSQL server', async () => {
    const result = await db.raw<{ rows: { version: string }[] }>('select version()');
    expect(result.rows[0]?.version).toMatch(/^PostgreSQL \d+/);
  });

  it('creates a temporary table, inserts, selects and drops it', async () => {
    const table = uniqueName('smoke');
    // A temporary table lives in one session, so everything runs in one transaction (one
    // connection); it also disappears on its own if the run dies half-way.
    const rows = await db.transaction(async (trx) => {
      await trx.raw('create temporary table ?? (id integer primary key, label text not null, payload jsonb not null)', [table]);
      await trx<SmokeRow>(table).insert([
        { id: 1, label: 'one', payload: { n: 1 } },
        { id: 2, label: 'two', payload: { n: 2 } },
      ]);
      const selected = await trx<SmokeRow>(table).select('id', 'label', 'payload').orderBy('id');
      await trx.schema.dropTable(table);
      return selected;
    });

    expect(rows).toEqual([
      { id: 1, label: 'one', payload: { n: 1 } },
      { id: 2, label: 'two', payload: { n: 2 } },
    ]);
    const left = await db.raw<{ rows: unknown[] }>('select 1 from pg_class where relname = ?', [table]);
    expect(left.rows).toHaveLength(0);
  });
});
