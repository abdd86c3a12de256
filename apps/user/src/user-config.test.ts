import { ConfigError } from '@coffer/platform';
import { describe, expect, it } from 'vitest';
import { loadUserConfig } from './user-config.js';

describe('loadUserConfig', () => {
  it('defaults to the in-memory embedded database, 30 days of grace, hourly purge and no admins', () => {
    const config = loadUserConfig({});
    expect(config).toMatchObject({ databaseUrl: 'pglite://memory', deleteGraceDays: 30, purgeIntervalMs: 3_600_000, adminEmails: [] });
    expect(config.grpc.port).toBeGreaterThan(0);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.adminEmails)).toBe(true);
  });

  it('defaults to the embedded event bus and the outbox relay defaults, and reads them', () => {
    expect(loadUserConfig({})).toMatchObject({
      eventBusUrl: 'embedded://',
      outbox: { batchSize: 100, idleWaitMs: 250, baseBackoffMs: 1_000, maxBackoffMs: 60_000 },
    });
    const config = loadUserConfig({
      COFFER_EVENT_BUS_URL: 'kafka://kafka:9092',
      COFFER_OUTBOX_BATCH_SIZE: '10',
      COFFER_OUTBOX_IDLE_WAIT_MS: '50',
      COFFER_OUTBOX_BASE_BACKOFF_MS: '100',
      COFFER_OUTBOX_MAX_BACKOFF_MS: '1000',
    });
    expect(config).toMatchObject({ eventBusUrl: 'kafka://kafka:9092', outbox: { batchSize: 10, idleWaitMs: 50, baseBackoffMs: 100, maxBackoffMs: 1_000 } });
    expect(Object.isFrozen(config.outbox)).toBe(true);
    expect(() => loadUserConfig({ COFFER_OUTBOX_BASE_BACKOFF_MS: '5000', COFFER_OUTBOX_MAX_BACKOFF_MS: '1000' })).toThrow(/COFFER_OUTBOX_MAX_BACKOFF_MS/);
  });

  it('reads every setting, lower-casing and de-duplicating the admin emails', () => {
    const config = loadUserConfig({
      COFFER_DATABASE_URL: 'postgres://coffer:secret@db.internal:5432/coffer',
      COFFER_USER_DELETE_GRACE_DAYS: '7',
      COFFER_USER_PURGE_INTERVAL_MS: '60000',
      COFFER_ADMIN_EMAILS: ' Root@Example.com, ops@example.org ,,root@EXAMPLE.com',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgres://coffer:secret@db.internal:5432/coffer',
      deleteGraceDays: 7,
      purgeIntervalMs: 60_000,
      adminEmails: ['root@example.com', 'ops@example.org'],
    });
  });

  it('names each bad key, and never repeats a database password', () => {
    const attempt = () =>
      loadUserConfig({
        COFFER_DATABASE_URL: 'mysql://coffer:hunter2@db/coffer',
        COFFER_USER_DELETE_GRACE_DAYS: '-1',
        COFFER_USER_PURGE_INTERVAL_MS: '99999999999',
        COFFER_ADMIN_EMAILS: 'root@example.com,not-an-email',
      });
    expect(attempt).toThrow(ConfigError);
    // Range errors are reported first (zod); the URL and emails are checked once those pass.
    expect(attempt).toThrow(/COFFER_USER_DELETE_GRACE_DAYS/);
    expect(attempt).toThrow(/COFFER_USER_PURGE_INTERVAL_MS/);
    const second = () => loadUserConfig({ COFFER_DATABASE_URL: 'mysql://coffer:hunter2@db/coffer', COFFER_ADMIN_EMAILS: 'root@example.com,not-an-email' });
    expect(second).toThrow(/COFFER_DATABASE_URL: Unsupported database URL scheme/);
    expect(second).toThrow(/COFFER_ADMIN_EMAILS: is not a valid email address\. \(got "not-an-email"\)/);
    expect(second).not.toThrow(/hunter2/);
  });
});
