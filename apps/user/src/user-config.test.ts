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
