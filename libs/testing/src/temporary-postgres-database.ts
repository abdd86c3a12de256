import pg from 'pg';
import { loadEngineEndpoints } from './engine-endpoints.js';
import { requireEngine } from './require-engine.js';
import { uniqueName } from './unique-name.js';

export interface TemporaryPostgresDatabase {
  /** Connection URL of the new, empty database. */
  readonly url: string;
  /** Drops the database (closing any connections left to it). */
  drop(): Promise<void>;
}

/**
 * Creates an empty database on the real test PostgreSQL server, for one test file. Fails with a
 * message naming postgres when the server is down (never skips).
 */
export async function createTemporaryPostgresDatabase(prefix = 'coffer_test'): Promise<TemporaryPostgresDatabase> {
  const serverUrl = loadEngineEndpoints().postgres.url;
  const name = uniqueName(prefix, '_');
  const admin = new pg.Client({ connectionString: serverUrl });
  await requireEngine('postgres', async () => {
    await admin.connect();
  });
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
