import { uniqueName } from '@coffer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from './create-database.js';
import { describeSchema } from './describe-schema.js';
import { MIGRATIONS_TABLE, MigrationError, listAppliedMigrations, migrate, migrationStatus, rollback, type Migration } from './migrate.js';

const migrations: readonly Migration[] = [
  {
    name: '0001_create_items',
    up: (knex) => knex.raw('create table items (id bigserial primary key, name text not null unique); create index items_name_idx on items (lower(name))'),
    down: (knex) => knex.raw('drop index items_name_idx; drop table items'),
  },
  {
    name: '0002_add_item_size',
    up: (knex) => knex.raw('alter table items add column size integer not null default 0 check (size >= 0)'),
    down: (knex) => knex.raw('alter table items drop column size'),
  },
  {
    name: '0003_create_tags',
    up: (knex) => knex.raw('create table tags (item_id bigint not null references items (id) on delete cascade, tag text not null, primary key (item_id, tag))'),
    down: (knex) => knex.raw('drop table tags'),
  },
];

const recorded = async (db: Database, schema: string) => (await listAppliedMigrations(db, schema)).map((migration) => migration.name);
const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('rollback (PGlite)', () => {
  let db: Database;

  beforeAll(async () => {
    db = await createDatabase('pglite://memory');
  });

  afterAll(async () => {
    await db.close();
  });

  it('reverts every migration newest first, leaving only the bookkeeping table; up again gives the same schema', async () => {
    const schema = uniqueName('rb');
    await migrate(db, { schema, migrations });
    const before = await describeSchema(db, schema);
    expect(before.relations).toEqual(['sequence items_id_seq', 'table items', `table ${MIGRATIONS_TABLE}`, 'table tags']);

    const result = await rollback(db, { schema, migrations, steps: migrations.length });
    expect(result).toEqual({ schema, reverted: ['0003_create_tags', '0002_add_item_size', '0001_create_items'], remaining: [] });
    expect(await recorded(db, schema)).toEqual([]);
    expect((await describeSchema(db, schema)).relations).toEqual([`table ${MIGRATIONS_TABLE}`]);

    expect((await migrate(db, { schema, migrations })).applied).toEqual(migrations.map((migration) => migration.name));
    expect(await describeSchema(db, schema)).toEqual(before);
  });

  it('reverts one step by default, and up applies it again to the same schema', async () => {
    const schema = uniqueName('rb');
    await migrate(db, { schema, migrations });
    const full = await describeSchema(db, schema);

    expect(await rollback(db, { schema, migrations })).toEqual({ schema, reverted: ['0003_create_tags'], remaining: ['0001_create_items', '0002_add_item_size'] });
    expect((await describeSchema(db, schema)).relations).not.toContain('table tags');
    expect(await rollback(db, { schema, migrations })).toMatchObject({ reverted: ['0002_add_item_size'] });
    expect((await describeSchema(db, schema)).columns.some((column) => column.startsWith('items.size '))).toBe(false);

    expect((await migrate(db, { schema, migrations })).applied).toEqual(['0002_add_item_size', '0003_create_tags']);
    expect(await describeSchema(db, schema)).toEqual(full);
  });

  it('reverts what there is when asked for more steps, and nothing (creating nothing) on a schema never migrated', async () => {
    const schema = uniqueName('rb');
    await migrate(db, { schema, migrations: migrations.slice(0, 1) });
    expect(await rollback(db, { schema, migrations, steps: 10 })).toEqual({ schema, reverted: ['0001_create_items'], remaining: [] });
    expect(await rollback(db, { schema, migrations })).toEqual({ schema, reverted: [], remaining: [] });

    const fresh = uniqueName('rb');
    expect(await rollback(db, { schema: fresh, migrations })).toEqual({ schema: fresh, reverted: [], remaining: [] });
    expect((await describeSchema(db, fresh)).relations).toEqual([]);
  });

  it('refuses, changing nothing, when a migration to revert has no down', async () => {
    const schema = uniqueName('rb');
    const [first, second] = migrations;
    if (first === undefined || second === undefined) throw new Error('fixture');
    const withoutDown: Migration[] = [first, { name: second.name, up: (knex) => second.up(knex) }];
    await migrate(db, { schema, migrations: withoutDown });
    const before = await describeSchema(db, schema);

    const failure = await failureOf(rollback(db, { schema, migrations: withoutDown, steps: 2 }));
    expect(failure).toBeInstanceOf(MigrationError);
    expect(failure).toMatchObject({ schema, migration: '0002_add_item_size', message: `Migration 0002_add_item_size of schema "${schema}" has no down: cannot revert it` });
    expect(await recorded(db, schema)).toEqual(['0001_create_items', '0002_add_item_size']);
    expect(await describeSchema(db, schema)).toEqual(before);
  });

  it('refuses, changing nothing, when the database records a migration the list does not define', async () => {
    const schema = uniqueName('rb');
    await migrate(db, { schema, migrations });
    const before = await describeSchema(db, schema);

    const failure = await failureOf(rollback(db, { schema, migrations: migrations.slice(0, 2) }));
    expect(failure).toBeInstanceOf(MigrationError);
    expect((failure as MigrationError).message).toMatch(/records migrations this build does not define: 0003_create_tags/);
    expect(await recorded(db, schema)).toEqual(migrations.map((migration) => migration.name));
    expect(await describeSchema(db, schema)).toEqual(before);
  });

  it('keeps every step when a later down fails, and names the failing migration', async () => {
    const schema = uniqueName('rb');
    const [first, second, third] = migrations;
    if (first === undefined || second === undefined || third === undefined) throw new Error('fixture');
    const brokenDown: Migration[] = [first, { ...second, down: (knex) => knex.raw('alter table items drop column no_such_column') }, third];
    await migrate(db, { schema, migrations: brokenDown });
    const before = await describeSchema(db, schema);

    const failure = await failureOf(rollback(db, { schema, migrations: brokenDown, steps: 3 }));
    expect(failure).toBeInstanceOf(MigrationError);
    expect(failure).toMatchObject({ schema, migration: '0002_add_item_size' });
    expect((failure as MigrationError).message).toMatch(/^Reverting migration 0002_add_item_size of schema "rb_\w+" failed \(\w+\); nothing of this run was reverted$/);
    // 0003's down ran before the failure; the transaction undid it.
    expect(await recorded(db, schema)).toEqual(migrations.map((migration) => migration.name));
    expect(await describeSchema(db, schema)).toEqual(before);
  });

  it('refuses steps that are not a positive whole number', async () => {
    for (const steps of [0, -1, 1.5, Number.NaN]) {
      await expect(rollback(db, { schema: 'rb_steps', migrations, steps })).rejects.toThrow(RangeError);
    }
  });
});

describe('migrationStatus (PGlite)', () => {
  let db: Database;

  beforeAll(async () => {
    db = await createDatabase('pglite://memory');
  });

  afterAll(async () => {
    await db.close();
  });

  it('lists applied, pending and unknown migrations without changing anything', async () => {
    const schema = uniqueName('st');
    const never = await migrationStatus(db, { schema, migrations });
    expect(never).toEqual({ schema, applied: [], pending: ['0001_create_items', '0002_add_item_size', '0003_create_tags'], unknown: [] });
    expect((await describeSchema(db, schema)).relations).toEqual([]);

    await migrate(db, { schema, migrations: migrations.slice(0, 2) });
    const partly = await migrationStatus(db, { schema, migrations });
    expect(partly.applied.map((migration) => migration.name)).toEqual(['0001_create_items', '0002_add_item_size']);
    expect(partly.pending).toEqual(['0003_create_tags']);

    const older = await migrationStatus(db, { schema, migrations: migrations.slice(0, 1) });
    expect(older).toMatchObject({ pending: [], unknown: ['0002_add_item_size'] });
  });
});
