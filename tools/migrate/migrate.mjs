#!/usr/bin/env node
// Runs one service's schema migrations by hand: up, down (rollback) or status.
//
//   node tools/migrate/migrate.mjs <service> up|down [--steps N]|status
//
// The database is COFFER_DATABASE_URL, or by default the PGlite folder `make dev` keeps for
// the service (.coffer/data/<service>/pglite; see tools/dev-platform/src/launch-platform.ts).
// The migration lists are imported from the services' built dist/ files, so build first
// (`make migrate` does). Stop the service first when it uses the same PGlite folder: an
// embedded database is open in one process at a time. See docs/services/devtools.md.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Each service with a database: the dist module exporting its schema name and migration list,
 * and its `make dev` PGlite folder. Audit keeps two schemas in one database (the chain
 * checkpoints and, with the embedded store, the rows), so it has two entries.
 */
const SERVICES = {
  auth: { module: 'apps/auth/dist/credentials/auth-migrations.js', schema: 'AUTH_SCHEMA', migrations: 'authMigrations', pglite: 'auth/pglite' },
  user: { module: 'apps/user/dist/users/user-migrations.js', schema: 'USERS_SCHEMA', migrations: 'userMigrations', pglite: 'user/pglite' },
  metadata: { module: 'apps/metadata/dist/files/metadata-migrations.js', schema: 'METADATA_SCHEMA', migrations: 'metadataMigrations', pglite: 'metadata/pglite' },
  policy: { module: 'apps/policy/dist/policy/policy-migrations.js', schema: 'POLICY_SCHEMA', migrations: 'policyMigrations', pglite: 'policy/pglite' },
  webhook: { module: 'apps/webhook/dist/subscriptions/webhook-migrations.js', schema: 'WEBHOOK_SCHEMA', migrations: 'webhookMigrations', pglite: 'webhook/pglite' },
  // The file service's only table is its outbox; apps/file/src/main.ts builds the same one-item list.
  file: { module: 'apps/file/dist/events/file-event-sink.js', schema: 'FILE_OUTBOX_SCHEMA', migrations: undefined, pglite: 'file/pglite' },
  audit: { module: 'apps/audit/dist/chain/checkpoint-store.js', schema: 'AUDIT_SCHEMA', migrations: 'checkpointMigrations', pglite: 'audit/audit/db' },
  'audit-store': {
    module: 'apps/audit/dist/store/embedded-audit-store.js',
    schema: 'EMBEDDED_STORE_SCHEMA',
    migrations: 'embeddedStoreMigrations',
    pglite: 'audit/audit/db',
  },
};

const USAGE = `Usage: node tools/migrate/migrate.mjs <service> up|down [--steps N]|status

  up       apply every pending migration
  down     revert the last N applied migrations, newest first (default 1)
  status   list applied, pending and unknown migrations

Services: ${Object.keys(SERVICES).join(', ')}
Database: COFFER_DATABASE_URL, default pglite://<repo>/.coffer/data/<service>/pglite (the make dev state)`;

class UsageError extends Error {}

function parseCommand(argv) {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { steps: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return undefined;
  const [service, direction, ...rest] = positionals;
  if (service === undefined || direction === undefined || rest.length > 0) throw new UsageError('expected <service> and up, down or status');
  if (!Object.hasOwn(SERVICES, service)) throw new UsageError(`unknown service ${JSON.stringify(service)}`);
  if (!['up', 'down', 'status'].includes(direction)) throw new UsageError(`unknown direction ${JSON.stringify(direction)}`);
  if (values.steps !== undefined && direction !== 'down') throw new UsageError('--steps only goes with down');
  const steps = values.steps === undefined ? 1 : Number(values.steps);
  if (!/^\d+$/.test(values.steps ?? '1') || !Number.isSafeInteger(steps) || steps <= 0) throw new UsageError('--steps must be a positive whole number');
  return { service, direction, steps };
}

async function importDist(path) {
  const file = join(ROOT, path);
  if (!existsSync(file)) throw new Error(`${path} is missing: build first (make build, or npx nx run-many -t build)`);
  return import(pathToFileURL(file).href);
}

async function loadTarget(service) {
  const spec = SERVICES[service];
  const module = await importDist(spec.module);
  const schema = module[spec.schema];
  let migrations;
  if (spec.migrations === undefined) {
    const { outboxMigration } = await importDist('libs/outbox/dist/index.js');
    migrations = [outboxMigration(schema)];
  } else {
    migrations = module[spec.migrations];
  }
  if (typeof schema !== 'string' || !Array.isArray(migrations)) throw new Error(`${spec.module} does not export ${spec.schema} and its migrations`);
  return { schema, migrations, defaultDir: join(ROOT, '.coffer', 'data', spec.pglite) };
}

function formatNames(names) {
  return names.length === 0 ? 'none' : names.join(', ');
}

async function main() {
  const command = parseCommand(process.argv.slice(2));
  if (command === undefined) {
    console.log(USAGE);
    return;
  }
  const { service, direction, steps } = command;
  const { schema, migrations, defaultDir } = await loadTarget(service);
  const db = await importDist('libs/db/dist/index.js');
  const url = process.env.COFFER_DATABASE_URL ?? `pglite://${defaultDir}`;
  const target = db.parseDatabaseUrl(url);
  const where = `${service} (schema ${schema}, ${db.redactDatabaseUrl(url)})`;
  // Reading or reverting a PGlite folder that does not exist would only create an empty one.
  if (direction !== 'up' && target.engine === 'pglite' && target.dataDir !== undefined && !existsSync(target.dataDir)) {
    console.log(`${where}: no database yet (${target.dataDir} does not exist); all ${migrations.length} migrations pending`);
    return;
  }

  const database = await db.createDatabase(url);
  try {
    if (direction === 'up') {
      const result = await db.migrate(database, { schema, migrations });
      console.log(
        result.applied.length === 0
          ? `${where}: up to date (${result.alreadyApplied.length} applied)`
          : `${where}: applied ${formatNames(result.applied)}`,
      );
    } else if (direction === 'down') {
      const result = await db.rollback(database, { schema, migrations, steps });
      console.log(
        result.reverted.length === 0
          ? `${where}: nothing to revert (no migration applied)`
          : `${where}: reverted ${formatNames(result.reverted)}; still applied: ${formatNames(result.remaining)}`,
      );
    } else {
      const status = await db.migrationStatus(database, { schema, migrations });
      console.log(`${where}: ${status.applied.length} applied, ${status.pending.length} pending${status.unknown.length > 0 ? `, ${status.unknown.length} unknown` : ''}`);
      const unknown = new Set(status.unknown);
      for (const migration of status.applied) {
        console.log(`  ${unknown.has(migration.name) ? 'unknown' : 'applied'}  ${migration.name}  ${migration.appliedAt.toISOString()}`);
      }
      for (const name of status.pending) console.log(`  pending  ${name}`);
      if (unknown.size > 0) console.log('  (unknown: recorded by a newer build; up and down refuse until this build defines them)');
    }
  } finally {
    await database.close();
  }
}

main().catch((error) => {
  if (error instanceof UsageError || error?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || error?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    console.error(`migrate: ${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  console.error(`migrate: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
