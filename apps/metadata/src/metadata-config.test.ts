import { ConfigError } from '@coffer/platform';
import { describe, expect, it } from 'vitest';
import { loadMetadataConfig } from './metadata-config.js';

describe('loadMetadataConfig', () => {
  it('defaults to the in-memory embedded database, the embedded bus and the relay defaults', () => {
    const config = loadMetadataConfig({});
    expect(config).toMatchObject({
      databaseUrl: 'pglite://memory',
      eventBusUrl: 'embedded://',
      outbox: { batchSize: 100, idleWaitMs: 250, baseBackoffMs: 1_000, maxBackoffMs: 60_000 },
    });
    expect(config.grpc.port).toBeGreaterThan(0);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.outbox)).toBe(true);
  });

  it('reads every setting', () => {
    const config = loadMetadataConfig({
      COFFER_DATABASE_URL: 'postgres://coffer:secret@db.internal:5432/coffer',
      COFFER_EVENT_BUS_URL: 'kafka://broker-1:9092,broker-2:9092',
      COFFER_OUTBOX_BATCH_SIZE: '500',
      COFFER_OUTBOX_IDLE_WAIT_MS: '100',
      COFFER_OUTBOX_BASE_BACKOFF_MS: '200',
      COFFER_OUTBOX_MAX_BACKOFF_MS: '30000',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgres://coffer:secret@db.internal:5432/coffer',
      eventBusUrl: 'kafka://broker-1:9092,broker-2:9092',
      outbox: { batchSize: 500, idleWaitMs: 100, baseBackoffMs: 200, maxBackoffMs: 30_000 },
    });
  });

  it('names each bad key, and never repeats a database password', () => {
    const attempt = () => loadMetadataConfig({ COFFER_DATABASE_URL: 'mysql://coffer:hunter2@db/coffer', COFFER_EVENT_BUS_URL: 'amqp://bus' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/COFFER_DATABASE_URL/);
    expect(attempt).toThrow(/COFFER_EVENT_BUS_URL/);
    expect(attempt).not.toThrow(/hunter2/);
  });

  it('refuses a relay backoff cap below its base, and out-of-range numbers', () => {
    expect(() => loadMetadataConfig({ COFFER_OUTBOX_BASE_BACKOFF_MS: '5000', COFFER_OUTBOX_MAX_BACKOFF_MS: '1000' })).toThrow(/COFFER_OUTBOX_MAX_BACKOFF_MS/);
    expect(() => loadMetadataConfig({ COFFER_OUTBOX_BATCH_SIZE: '0' })).toThrow(/COFFER_OUTBOX_BATCH_SIZE/);
  });
});
