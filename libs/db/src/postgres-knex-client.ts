import { createRequire } from 'node:module';
import type { Knex } from 'knex';

/**
 * knex's PostgreSQL dialect client: the class `client: 'pg'` resolves to. knex publishes no
 * entry point or types for it; the knex version is pinned in the root package.json, and the
 * contract suite exercises both subclasses below on every run.
 */
const PostgresDialectClient = createRequire(import.meta.url)('knex/lib/dialects/postgres/index.js') as typeof Knex.Client;

/**
 * knex's pg client, with one change: JavaScript Dates are sent as ISO 8601 UTC text
 * (`2024-01-02T03:04:05.678Z`). pg would send them in the Node process's local time zone
 * (pg's UTC switch is process-wide), which stores a different wall-clock time into
 * `timestamp without time zone` columns depending on the machine's TZ. With UTC text, every
 * Date means the same on the server, on PGlite, and whatever TZ the process runs in.
 */
export class PostgresKnexClient extends PostgresDialectClient {
  override prepBindings(bindings: unknown): unknown {
    return Array.isArray(bindings) ? bindings.map(datesAsUtcText) : bindings;
  }
}

function datesAsUtcText(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(datesAsUtcText);
  return value;
}
