import { createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEngineEndpoints, requireEngine, uniqueName } from '../../src/index.js';

interface SmokeRow {
  day: string;
  at: string;
  id: string;
  name: string;
  size: number;
}

describe('clickhouse (real server, @clickhouse/client over HTTP)', () => {
  const endpoints = loadEngineEndpoints();
  const clickhouse = createClient({
    url: endpoints.clickhouse.url,
    username: 'default',
    password: '',
    request_timeout: 10_000,
  });
  const table = uniqueName('smoke');
  let tableCreated = false;

  beforeAll(async () => {
    // A SELECT (rather than /ping) also checks the credentials. ping() reports, never throws.
    await requireEngine(
      'clickhouse',
      async (signal) => {
        const result = await clickhouse.ping({ select: true, abort_signal: signal });
        if (!result.success) throw result.error;
      },
      { endpoints },
    );
  });

  afterAll(async () => {
    if (tableCreated) await clickhouse.command({ query: `DROP TABLE IF EXISTS ${table}` });
    await clickhouse.close();
  });

  it('answers SELECT version()', async () => {
    const result = await clickhouse.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' });
    const rows = await result.json<{ version: string }>();
    expect(rows[0]?.version).toMatch(/^\d+\.\d+/);
  });

  it('creates a MergeTree table, inserts JSONEachRow and reads it back', async () => {
    // Types and syntax that ClickHouse 18.16 accepts: no DateTime64, no LowCardinality.
    await clickhouse.command({
      query: `CREATE TABLE ${table} (day Date, at DateTime, id UInt64, name String, size UInt32)
              ENGINE = MergeTree() PARTITION BY toYYYYMM(day) ORDER BY (day, id)`,
    });
    tableCreated = true;

    const rows: SmokeRow[] = [
      { day: '2026-11-26', at: '2026-11-26 10:00:00', id: '1', name: 'alpha', size: 10 },
      { day: '2026-11-26', at: '2026-11-26 10:00:01', id: '18446744073709551615', name: 'max u64', size: 20 },
      { day: '2026-12-01', at: '2026-12-01 00:00:00', id: '3', name: 'ünïcødé ✓', size: 30 },
    ];
    await clickhouse.insert({ table, values: rows, format: 'JSONEachRow' });

    const result = await clickhouse.query({
      query: `SELECT day, at, id, name, size FROM ${table} ORDER BY day, id`,
      format: 'JSONEachRow',
    });
    // UInt64 comes back as a JSON string (64-bit integers are quoted by default).
    expect(await result.json<SmokeRow>()).toEqual(rows);

    const count = await clickhouse.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' });
    expect(await count.json<{ n: string }>()).toEqual([{ n: '3' }]);

    await clickhouse.command({ query: `DROP TABLE ${table}` });
    tableCreated = false;
    // 18.16 has no query parameters ({name:Type} fails with "Unknown setting param_..."), so
    // the generated (safe) name is spliced into the SQL.
    const left = await clickhouse.query({ query: `EXISTS TABLE ${table}`, format: 'JSONEachRow' });
    expect(await left.json<{ result: number }>()).toEqual([{ result: 0 }]);
  });
});
