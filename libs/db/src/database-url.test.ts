import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl, redactDatabaseUrl } from './database-url.js';

describe('parseDatabaseUrl', () => {
  it('passes postgres:// and postgresql:// URLs to pg unchanged', () => {
    const url = 'postgres://coffer:s3cret@127.0.0.1:55432/coffer?sslmode=disable';
    expect(parseDatabaseUrl(url)).toEqual({ engine: 'postgres', connectionString: url });
    expect(parseDatabaseUrl('postgresql://db.internal/users')).toEqual({
      engine: 'postgres',
      connectionString: 'postgresql://db.internal/users',
    });
  });

  it('reads pglite://memory as an in-memory database', () => {
    expect(parseDatabaseUrl('pglite://memory')).toEqual({ engine: 'pglite', dataDir: undefined });
    expect(parseDatabaseUrl('pglite://memory/')).toEqual({ engine: 'pglite', dataDir: undefined });
  });

  it('reads pglite:///absolute/dir as a data folder, decoding escapes and a trailing slash', () => {
    expect(parseDatabaseUrl('pglite:///var/lib/coffer/users')).toEqual({ engine: 'pglite', dataDir: '/var/lib/coffer/users' });
    expect(parseDatabaseUrl('pglite:///tmp/my%20data/')).toEqual({ engine: 'pglite', dataDir: '/tmp/my data' });
  });

  it('refuses a pglite host other than memory (a relative path written with two slashes)', () => {
    expect(() => parseDatabaseUrl('pglite://data/users')).toThrow(/use pglite:\/\/memory, or pglite:\/\/\/absolute\/dir/);
  });

  it('refuses the root folder, credentials, queries and fragments for pglite', () => {
    expect(() => parseDatabaseUrl('pglite:///')).toThrow(/absolute path below \//);
    expect(() => parseDatabaseUrl('pglite://user:pw@memory')).toThrow(/takes no credentials/);
    expect(() => parseDatabaseUrl('pglite://memory?cache=1')).toThrow(/takes no credentials, query or fragment/);
  });

  it('refuses other schemes and unparsable text, naming the accepted forms', () => {
    expect(() => parseDatabaseUrl('mysql://root@localhost/db')).toThrow(
      /^Unsupported database URL scheme "mysql:".*expected postgres:\/\/…, postgresql:\/\/…, pglite:\/\/memory or pglite:\/\/\/absolute\/dir$/,
    );
    expect(() => parseDatabaseUrl('sqlite.db')).toThrow(/^Invalid database URL "sqlite.db": expected/);
    expect(() => parseDatabaseUrl('postgres:///nohost')).toThrow(/needs a host/);
  });

  it('never repeats a password in an error', () => {
    const attempts = ['mysql://root:hunter2@localhost/db', 'postgres://u:hunter2@/db', '//u:hunter2@host/db'];
    for (const url of attempts) {
      expect(() => parseDatabaseUrl(url)).toThrow();
      expect(() => parseDatabaseUrl(url)).not.toThrow(/hunter2/);
    }
  });
});

describe('redactDatabaseUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactDatabaseUrl('postgres://coffer:s3cret@127.0.0.1:55432/coffer')).toBe(
      'postgres://coffer:[redacted]@127.0.0.1:55432/coffer',
    );
    expect(redactDatabaseUrl('postgres://coffer@host/db')).toBe('postgres://coffer@host/db');
    expect(redactDatabaseUrl('pglite://memory')).toBe('pglite://memory');
  });
});
