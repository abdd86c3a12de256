import { describe, expect, it } from 'vitest';
import { loadAuditConfig } from './audit-config.js';

describe('loadAuditConfig', () => {
  it('defaults to the embedded store, the embedded bus and an in-memory database', () => {
    const config = loadAuditConfig({});
    expect(config.store).toEqual({ kind: 'embedded' });
    expect(config.eventBusUrl).toBe('embedded://');
    expect(config.databaseUrl).toBe('pglite://memory');
    expect(config.keysFile).toBeUndefined();
    expect(config.ingest).toEqual({ enabled: true, batchSize: 500, maxWaitMs: 200, checkpointEvery: 1_000, consumers: 8 });
  });

  it('keeps dev state under COFFER_DATA_DIR', () => {
    const config = loadAuditConfig({ COFFER_DATA_DIR: '/var/coffer' });
    expect(config.databaseUrl).toBe('pglite:///var/coffer/audit/db');
    expect(config.keysFile).toBe('/var/coffer/audit/checkpoint-keys.json');
  });

  it.each([
    ['clickhouse://ch:8123/audit', { url: 'http://ch:8123', database: 'audit' }],
    ['http://ch:8123?database=trail', { url: 'http://ch:8123', database: 'trail' }],
    ['http://u:p@ch:8123', { url: 'http://u:p@ch:8123', database: 'coffer_audit' }],
  ])('reads the ClickHouse URL %s', (url, expected) => {
    expect(loadAuditConfig({ COFFER_AUDIT_STORE_URL: url }).store).toEqual({ kind: 'clickhouse', ...expected });
  });

  it.each([
    ['COFFER_AUDIT_STORE_URL', 'ftp://x'],
    ['COFFER_AUDIT_STORE_URL', 'http://ch:8123?database=bad-name;DROP'],
    ['COFFER_EVENT_BUS_URL', 'amqp://x'],
    ['COFFER_AUDIT_BATCH_SIZE', '0'],
    ['COFFER_AUDIT_CHECKPOINT_EVERY', 'often'],
  ])('refuses %s=%s', (key, value) => {
    expect(() => loadAuditConfig({ [key]: value })).toThrow(key);
  });
});
