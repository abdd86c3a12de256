import { createDatabase, describeSchema, listAppliedMigrations, migrate, MIGRATIONS_TABLE, rollback, type Database, type Migration } from '@coffer/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_SCHEMA, checkpointMigrations } from './chain/checkpoint-store.js';
import { EMBEDDED_STORE_SCHEMA, embeddedStoreMigrations } from './store/embedded-audit-store.js';

// Both of audit's PGlite/PostgreSQL schemas in one file: they share one database in the
// service, and one embedded PostgreSQL per file keeps the suite's start-up cost down.
const lists: readonly { schema: string; migrations: readonly Migration[]; tables: string[] }[] = [
  { schema: AUDIT_SCHEMA, migrations: checkpointMigrations, tables: ['table chain_checkpoints'] },
  { schema: EMBEDDED_STORE_SCHEMA, migrations: embeddedStoreMigrations, tables: ['table audit_events'] },
];

describe('audit migrations (PGlite)', () => {
  let db: Database;

  beforeAll(async () => {
    db = await createDatabase('pglite://memory');
  });

  afterAll(async () => {
    await db.close();
  });

  it.each(lists)('$schema: every migration has a down, and up → down to zero → up gives the same schema', async ({ schema, migrations, tables }) => {
    expect(migrations.filter((migration) => migration.down === undefined).map((migration) => migration.name)).toEqual([]);

    expect((await migrate(db, { schema, migrations })).applied).toEqual(migrations.map((migration) => migration.name));
    const migrated = await describeSchema(db, schema);
    expect(migrated.relations).toEqual([...tables, `table ${MIGRATIONS_TABLE}`]);

    const down = await rollback(db, { schema, migrations, steps: migrations.length });
    expect(down.reverted).toEqual(migrations.map((migration) => migration.name).reverse());
    expect(await listAppliedMigrations(db, schema)).toEqual([]);
    expect((await describeSchema(db, schema)).relations).toEqual([`table ${MIGRATIONS_TABLE}`]);

    expect((await migrate(db, { schema, migrations })).applied).toEqual(migrations.map((migration) => migration.name));
    expect(await describeSchema(db, schema)).toEqual(migrated);
  });
});
