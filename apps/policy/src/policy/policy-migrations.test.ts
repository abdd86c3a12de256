import { createDatabase, describeSchema, listAppliedMigrations, migrate, MIGRATIONS_TABLE, rollback, type Database } from '@coffer/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICY_SCHEMA, policyMigrations } from './policy-migrations.js';

describe('policyMigrations (PGlite)', () => {
  let db: Database;

  beforeAll(async () => {
    db = await createDatabase('pglite://memory');
  });

  afterAll(async () => {
    await db.close();
  });

  it('every migration has a down, and up → down to zero → up gives the same schema', async () => {
    const schema = POLICY_SCHEMA;
    const migrations = policyMigrations;
    expect(migrations.filter((migration) => migration.down === undefined).map((migration) => migration.name)).toEqual([]);

    const up = await migrate(db, { schema, migrations });
    expect(up.applied).toEqual(migrations.map((migration) => migration.name));
    const migrated = await describeSchema(db, schema);
    expect(migrated.relations).toEqual(['sequence outbox_id_seq', 'table grants', 'table links', 'table outbox', `table ${MIGRATIONS_TABLE}`, 'table statements']);

    const down = await rollback(db, { schema, migrations, steps: migrations.length });
    expect(down.reverted).toEqual(migrations.map((migration) => migration.name).reverse());
    expect(await listAppliedMigrations(db, schema)).toEqual([]);
    const empty = await describeSchema(db, schema);
    expect(empty.relations).toEqual([`table ${MIGRATIONS_TABLE}`]);
    expect(empty.indexes).toEqual([`CREATE UNIQUE INDEX ${MIGRATIONS_TABLE}_pkey ON ${schema}.${MIGRATIONS_TABLE} USING btree (name)`]);

    expect((await migrate(db, { schema, migrations })).applied).toEqual(migrations.map((migration) => migration.name));
    expect(await describeSchema(db, schema)).toEqual(migrated);
  });
});
