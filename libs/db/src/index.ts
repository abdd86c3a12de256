/**
 * @coffer/db: relational storage for the services. knex over PostgreSQL (pg) in production,
 * over an embedded PGlite for `make dev` and single-node; per-service schemas with versioned
 * migrations; database errors translated to AppErrors in one place. See
 * docs/adr/0009-relational-storage.md.
 */
export {
  createDatabase,
  databaseReadinessCheck,
  type CreateDatabaseOptions,
  type Database,
} from './create-database.js';
export { parseDatabaseUrl, redactDatabaseUrl, type DatabaseEngine, type DatabaseTarget } from './database-url.js';
export {
  CONNECTION_RETRY_AFTER_SECONDS,
  CONTENTION_RETRY_AFTER_SECONDS,
  DbError,
  isUniqueViolation,
  translateDbError,
  type DbErrorOptions,
} from './db-error.js';
export {
  MIGRATIONS_TABLE,
  MigrationError,
  listAppliedMigrations,
  migrate,
  migrationStatus,
  rollback,
  type AppliedMigration,
  type MigrateOptions,
  type Migration,
  type MigrationResult,
  type MigrationStatus,
  type RollbackOptions,
  type RollbackResult,
} from './migrate.js';
export { describeSchema, type SchemaDescription } from './describe-schema.js';
export { runQuery, withTransaction, type TransactionOptions } from './with-transaction.js';
