import { isAbsolute } from 'node:path';

/** Which engine a database URL selects. */
export type DatabaseEngine = 'postgres' | 'pglite';

/** What a database URL says to open; see {@link parseDatabaseUrl}. */
export type DatabaseTarget =
  | { readonly engine: 'postgres'; readonly connectionString: string }
  /** `dataDir` undefined: in memory, gone when the handle closes. */
  | { readonly engine: 'pglite'; readonly dataDir: string | undefined };

const URL_FORMS = 'postgres://…, postgresql://…, pglite://memory or pglite:///absolute/dir';

/**
 * Reads a database URL:
 * - `postgres://user:password@host:port/database?…` (or `postgresql://`): a PostgreSQL server,
 *   the URL is handed to `pg` unchanged (so `sslmode`, `options`, … work as pg documents);
 * - `pglite://memory`: embedded PGlite in memory;
 * - `pglite:///absolute/dir` (an empty host and an absolute path): embedded PGlite keeping its
 *   files in that folder, created when missing. Percent-escapes in the path are decoded.
 *
 * Throws an Error naming the accepted forms otherwise; the message never repeats a password.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`Invalid database URL ${JSON.stringify(redactDatabaseUrl(url))}: expected ${URL_FORMS}`);
  }
  switch (parsed.protocol) {
    case 'postgres:':
    case 'postgresql:':
      if (parsed.hostname === '') {
        throw new Error(`Invalid database URL ${JSON.stringify(redactDatabaseUrl(url))}: a postgres URL needs a host`);
      }
      return Object.freeze({ engine: 'postgres', connectionString: url });
    case 'pglite:':
      return Object.freeze({ engine: 'pglite', dataDir: pgliteDataDir(parsed, url) });
    default:
      throw new Error(
        `Unsupported database URL scheme ${JSON.stringify(parsed.protocol)} in ${JSON.stringify(redactDatabaseUrl(url))}: expected ${URL_FORMS}`,
      );
  }
}

function pgliteDataDir(parsed: URL, url: string): string | undefined {
  if (parsed.search !== '' || parsed.hash !== '' || parsed.username !== '' || parsed.password !== '') {
    throw new Error(`Invalid database URL ${JSON.stringify(redactDatabaseUrl(url))}: a pglite URL takes no credentials, query or fragment`);
  }
  if (parsed.hostname === 'memory' && (parsed.pathname === '' || parsed.pathname === '/')) return undefined;
  if (parsed.hostname !== '') {
    throw new Error(
      `Invalid database URL ${JSON.stringify(url)}: use pglite://memory, or pglite:///absolute/dir (three slashes) for a folder`,
    );
  }
  const dir = decodeURIComponent(parsed.pathname);
  if (!isAbsolute(dir) || dir === '/') {
    throw new Error(`Invalid database URL ${JSON.stringify(url)}: the PGlite data folder must be an absolute path below /`);
  }
  return dir.length > 1 && dir.endsWith('/') ? dir.slice(0, -1) : dir;
}

/** The URL with any password replaced by `[redacted]`, for logs and error messages. */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/^((?:[a-z][a-z0-9+.-]*:)?\/\/[^:/@\s]*):[^@/\s]*@/i, '$1:[redacted]@');
}
