import { createDatabase, describeSchema, listAppliedMigrations, migrate, MIGRATIONS_TABLE, rollback, type Database } from '@coffer/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxMigration } from './outbox-migration.js';

describe('outboxMigration (PGlite)', () => {
  let db: Database;

  beforeAll(async () => {
    db = await createDatabase('pglite://memory');
  });

  afterAll(async () => {
    await db.close();
  });

  it('creates <schema>.outbox, its down drops it, and up again gives the same schema', async () => {
    const schema = 'outbox_rt';
    const migrations = [outboxMigration(schema, { name: '0002_create_outbox' })];
    expect(migrations.every((migration) => migration.down !== undefined)).toBe(true);

    await migrate(db, { schema, migrations });
    const migrated = await describeSchema(db, schema);
    expect(migrated.relations).toEqual(['sequence outbox_id_seq', 'table outbox', `table ${MIGRATIONS_TABLE}`]);
    expect(migrated.indexes.filter((index) => index.includes('outbox_pending'))).toHaveLength(2);

    expect((await rollback(db, { schema, migrations })).reverted).toEqual(['0002_create_outbox']);
    expect(await listAppliedMigrations(db, schema)).toEqual([]);
    expect((await describeSchema(db, schema)).relations).toEqual([`table ${MIGRATIONS_TABLE}`]);

    await migrate(db, { schema, migrations });
    expect(await describeSchema(db, schema)).toEqual(migrated);
  });
});
