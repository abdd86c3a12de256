import { loadEngineEndpoints, requireEngine, uniqueName } from '@coffer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLICKHOUSE_EVENTS_TABLE, CLICKHOUSE_MIGRATIONS_TABLE, ClickHouseAuditStore, clickHouseString } from '../src/store/clickhouse-audit-store.js';
import { auditStoreContract } from './audit-store.contract.js';
import { dropClickHouseDatabase, waitForMutations } from './clickhouse-helpers.js';

// A fresh ClickHouse database per run, dropped afterwards. A server that does not answer fails
// the file; it is never skipped.
const endpoints = loadEngineEndpoints();
const database = uniqueName('audit_store');

beforeAll(async () => {
  const probe = new ClickHouseAuditStore({ url: endpoints.clickhouse.url, database: 'default' });
  try {
    await requireEngine('clickhouse', () => probe.ping(), { endpoints });
  } finally {
    await probe.close();
  }
});

afterAll(async () => {
  await dropClickHouseDatabase(endpoints.clickhouse.url, database);
});

describe('ClickHouseAuditStore (real server)', () => {
  auditStoreContract(() => {
    const store = new ClickHouseAuditStore({ url: endpoints.clickhouse.url, database });
    // Tampering as an operator with write access would do it: ALTER TABLE … UPDATE/DELETE are
    // mutations on MergeTree (18.16 has them; they run in the background, so each waits).
    const mutate = async (statement: string) => {
      await store.command(`ALTER TABLE ${CLICKHOUSE_EVENTS_TABLE} ${statement}`);
      await waitForMutations(endpoints.clickhouse.url, database);
    };
    return Promise.resolve({
      store,
      tamper: {
        editData: (seq, dataJson) => mutate(`UPDATE data_json = ${clickHouseString(dataJson)} WHERE seq = ${seq}`),
        deleteRow: (seq) => mutate(`DELETE WHERE seq = ${seq}`),
        swapSeq: (a, b) => mutate(`UPDATE seq = if(seq = ${a}, ${b}, ${a}) WHERE seq IN (${a}, ${b})`),
        truncateFrom: (seq) => mutate(`DELETE WHERE seq >= ${seq}`),
        replaceRow: async (row) => {
          await mutate(`DELETE WHERE seq = ${row.seq}`);
          await store.append([row]);
        },
        clear: async () => {
          await store.command(`TRUNCATE TABLE IF EXISTS ${CLICKHOUSE_EVENTS_TABLE}`);
        },
      },
      close: () => store.close(),
    });
  });

  it('records its migrations in schema_migrations inside ClickHouse', async () => {
    const store = new ClickHouseAuditStore({ url: endpoints.clickhouse.url, database });
    try {
      await store.migrate();
      const response = await fetch(`${endpoints.clickhouse.url}/?database=${database}`, { method: 'POST', body: `SELECT name FROM ${CLICKHOUSE_MIGRATIONS_TABLE} FORMAT TSV` });
      expect((await response.text()).trim().split('\n')).toEqual(['0001_create_audit_events']);
    } finally {
      await store.close();
    }
  });
});
