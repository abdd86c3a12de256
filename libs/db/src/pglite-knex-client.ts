import type { PGlite, Results, RowMode } from '@electric-sql/pglite';
import type { Knex } from 'knex';
import { PostgresKnexClient } from './postgres-knex-client.js';

/**
 * A knex client that runs knex's own PostgreSQL dialect (query compiler, schema builder,
 * transactions, response shaping, and our UTC Date bindings) on an embedded PGlite instead of
 * a `pg` connection.
 *
 * Why not the `knex-pglite` package (0.14.0, tried with knex 3.1 and PGlite 0.5.16): it
 * rewrites each response's command tag from knex's method name, so `.del()` reports the
 * command `DEL`, which knex's dialect does not recognise, and resolves to the raw driver
 * result object instead of the number of deleted rows; it passes every statement to
 * `query()` (extended protocol), so a parameterless multi-statement script that pg runs fails
 * with "cannot insert multiple commands into a prepared statement"; it is CommonJS and loads
 * PGlite's CJS build next to our ESM one; and it takes an existing PGlite instance (needed
 * for our type parsers) only through an untyped escape hatch. PGlite 0.5 reports the real
 * command tag and row count, so knex's dialect handles responses unchanged here; this class
 * only supplies the connection-level hooks.
 *
 * PGlite is one Postgres backend (single user): the pool holds exactly one "connection", the
 * instance itself, so transactions and statements run one at a time, in order.
 * Closing the instance is the owner's job (see `createDatabase`), not the pool's.
 *
 * `.stream()` is deliberately not implemented: on the server knex needs `pg-query-stream`,
 * which Coffer does not install, and a stream that works only embedded would hide that.
 */
export function pgliteKnexClient(pglite: PGlite): typeof Knex.Client {
  class PgliteKnexClient extends PostgresKnexClient {
    constructor(config: Knex.Config) {
      // `connection` must be set for knex to create the pool at all; its content is unused.
      super({ ...config, connection: {}, pool: { min: 1, max: 1 } });
      // pg cancels a statement from a second connection (pg_cancel_backend); PGlite has none.
      this.canCancelQuery = false;
    }

    /** No driver module to load: the "connection" is the PGlite instance. */
    _driver(): object {
      return {};
    }

    async _acquireOnlyConnection(): Promise<PGlite> {
      await pglite.waitReady;
      return pglite;
    }

    override async destroyRawConnection(): Promise<void> {
      // Deliberately empty: knex.destroy() must not close the instance behind the owner's back.
    }

    async checkVersion(connection: PGlite): Promise<string> {
      const result = await connection.query<{ version: string }>('select version()');
      const version = /^PostgreSQL (\S+)/.exec(result.rows[0]?.version ?? '')?.[1];
      if (version === undefined) throw new Error('PGlite did not report a PostgreSQL version');
      return version;
    }

    async setSchemaSearchPath(connection: PGlite, searchPath?: string | readonly string[]): Promise<boolean> {
      const path = searchPath ?? (this as { searchPath?: string | readonly string[] }).searchPath;
      if (path === undefined || path.length === 0) return true;
      const schemas = typeof path === 'string' ? [path] : path;
      await connection.exec(`set search_path to ${schemas.map((schema) => `"${schema.replaceAll('"', '""')}"`).join(', ')}`);
      return true;
    }

    /**
     * Statements without parameters go through the simple-query protocol (`exec`), like pg
     * does, so a raw multi-statement script (common in migrations) behaves the same on both.
     */
    async _query(connection: PGlite, obj: KnexQueryObject): Promise<KnexQueryObject> {
      if (obj.sql === undefined || obj.sql === '') throw new Error('The query is empty');
      const bindings = obj.bindings ?? [];
      if (bindings.length === 0) {
        const results = await connection.exec(obj.sql, queryOptions(obj));
        obj.response = results.length === 1 ? results[0] : results;
      } else {
        obj.response = await connection.query(obj.sql, [...bindings], queryOptions(obj));
      }
      return obj;
    }
  }
  return PgliteKnexClient;
}

/** The fields of knex's internal query object that this client reads or writes. */
interface KnexQueryObject {
  sql?: string;
  bindings?: readonly unknown[];
  options?: { rowMode?: RowMode };
  response?: Results | Results[];
}

function queryOptions(obj: KnexQueryObject): { rowMode: RowMode } | undefined {
  const rowMode = obj.options?.rowMode;
  return rowMode === undefined ? undefined : { rowMode };
}
