import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, errors, toProblem } from '@coffer/platform';
import { uniqueName } from '@coffer/testing';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONNECTION_RETRY_AFTER_SECONDS,
  DbError,
  MigrationError,
  databaseReadinessCheck,
  describeSchema,
  isUniqueViolation,
  listAppliedMigrations,
  migrate,
  rollback,
  runQuery,
  withTransaction,
  type CreateDatabaseOptions,
  type Database,
  type DatabaseEngine,
  type Migration,
} from '../src/index.js';

/** What the contract suite needs from an engine's test file. */
export interface DatabaseContractTarget {
  readonly engine: DatabaseEngine;
  /**
   * Whether handles from {@link openDatabase} share one database and can hold transactions at
   * the same time (a server), or not (PGlite: one embedded backend per handle, so every handle
   * is its own database and its transactions run one after another).
   */
  readonly concurrentSessions: boolean;
  /** Opens a handle on the database under test. The suite closes every handle it opens. */
  openDatabase(options?: CreateDatabaseOptions): Promise<Database>;
}

/**
 * Registers the behaviour both engines must share. Each test works in its own schema (a
 * unique name), so tests never see each other's tables, on a shared server or not.
 */
export function registerDatabaseContract(target: DatabaseContractTarget): void {
  describe(`database contract on ${target.engine}`, () => {
    const opened: Database[] = [];
    let db: Database;

    async function open(options?: CreateDatabaseOptions): Promise<Database> {
      const handle = await target.openDatabase(options);
      opened.push(handle);
      return handle;
    }

    /** A fresh schema holding the given tables (raw DDL, unqualified names land in it). */
    async function schemaWith(ddl: string, on: Database = db): Promise<string> {
      const schema = uniqueName('contract');
      await migrate(on, { schema, migrations: [{ name: '0001_tables', up: (knex) => knex.raw(ddl) }] });
      return schema;
    }

    beforeAll(async () => {
      db = await open();
    });

    afterAll(async () => {
      await Promise.all(opened.map((handle) => handle.close()));
    });

    describe('handle', () => {
      it('answers SELECT 1 for readiness and runs every session in UTC', async () => {
        expect(db.engine).toBe(target.engine);
        await expect(db.ping()).resolves.toBeUndefined();
        await expect(databaseReadinessCheck(db)()).resolves.toBeUndefined();
        const zone = await db.knex.raw<{ rows: { TimeZone: string }[] }>('show timezone');
        expect(zone.rows[0]?.TimeZone).toBe('UTC');
      });

      it('fails as unavailable once closed, and closing again is harmless', async () => {
        const handle = await open();
        await handle.ping();
        await handle.close();

        const failure = await handle.ping().then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(failure).toBeInstanceOf(DbError);
        expect(failure).toMatchObject({ code: 'unavailable', retryAfterSeconds: CONNECTION_RETRY_AFTER_SECONDS });
        await expect(handle.close()).resolves.toBeUndefined();
      });

      it('gives the results knex documents: insert returning, row counts of update and delete, first, pluck', async () => {
        const schema = await schemaWith('create table items (id serial primary key, label text not null)');
        const items = () => db.knex.withSchema(schema).table('items');

        expect(await items().insert([{ label: 'a' }, { label: 'b' }, { label: 'c' }]).returning(['id', 'label'])).toEqual([
          { id: 1, label: 'a' },
          { id: 2, label: 'b' },
          { id: 3, label: 'c' },
        ]);
        expect(await items().update({ label: 'x' }).where('id', '>', 1)).toBe(2);
        expect(await items().where({ id: 99 }).update({ label: 'y' })).toBe(0);
        expect(await items().where({ id: 1 }).del()).toBe(1);
        expect(await items().where({ id: 1 }).del()).toBe(0);
        expect(await items().orderBy('id').first('id', 'label')).toEqual({ id: 2, label: 'x' });
        expect(await items().orderBy('id').pluck('id')).toEqual([2, 3]);
        expect(await items().where({ id: 3 }).increment('id', 10)).toBe(1);
        expect(await items().count({ n: '*' })).toEqual([{ n: '2' }]);
      });

      it('runs a parameterless multi-statement script, as migrations often do', async () => {
        const schema = uniqueName('contract');
        await migrate(db, {
          schema,
          migrations: [
            {
              name: '0001_script',
              up: (knex) =>
                knex.raw(`
                  create table a (id int primary key);
                  create table b (id int primary key, a_id int not null references a (id));
                  insert into a values (1), (2);
                  insert into b values (10, 1);
                `),
            },
          ],
        });
        const counts = await db.knex.raw<{ rows: { a: number; b: number }[] }>(
          'select (select count(*)::int from ??.a) as a, (select count(*)::int from ??.b) as b',
          [schema, schema],
        );
        expect(counts.rows).toEqual([{ a: 2, b: 1 }]);
      });

      it('returns the same JavaScript values for common types on every engine', async () => {
        const result = await db.knex.raw<{ rows: Record<string, unknown>[] }>(`
          select 9007199254740993::int8 as big, (select count(*) from (values (1), (2)) v) as counted,
                 1.50::numeric(10, 2) as amount, 42::int4 as small, 1.5::float8 as ratio, true as flag,
                 '2024-02-29'::date as day, '2024-01-02 03:04:05.678'::timestamp as wall_clock,
                 '2024-01-02 05:04:05.678+02'::timestamptz as instant, '1 day 02:00:00'::interval as wait,
                 '\\x00ff'::bytea as bytes, '{"a": [1, "x", null]}'::jsonb as doc,
                 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid as id, array[1, 2]::int8[] as ids,
                 array['2024-01-01'::date] as days, array['x', 'y'] as tags, null::text as nothing
        `);
        expect(result.rows).toEqual([
          {
            big: '9007199254740993',
            counted: '2',
            amount: '1.50',
            small: 42,
            ratio: 1.5,
            flag: true,
            day: '2024-02-29',
            wall_clock: new Date('2024-01-02T03:04:05.678Z'),
            instant: new Date('2024-01-02T03:04:05.678Z'),
            wait: '1 day 02:00:00',
            bytes: Buffer.from([0, 255]),
            doc: { a: [1, 'x', null] },
            id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
            ids: ['1', '2'],
            days: ['2024-01-01'],
            tags: ['x', 'y'],
            nothing: null,
          },
        ]);
        expect(Buffer.isBuffer(result.rows[0]?.['bytes'])).toBe(true);
      });

      it('stores JSON given as text (arrays included) and bytea given as a Buffer', async () => {
        const schema = await schemaWith('create table docs (id int primary key, body jsonb not null, raw bytea not null)');
        await db.knex
          .withSchema(schema)
          .table('docs')
          .insert([
            { id: 1, body: JSON.stringify([1, { b: true }]), raw: Buffer.from('hi') },
            { id: 2, body: JSON.stringify({ nested: { list: ['x'] } }), raw: Buffer.alloc(0) },
          ]);
        const rows = await runQuery(db, (knex) => knex.withSchema(schema).table('docs').select('body', 'raw').orderBy('id'));
        expect(rows).toEqual([
          { body: [1, { b: true }], raw: Buffer.from('hi') },
          { body: { nested: { list: ['x'] } }, raw: Buffer.alloc(0) },
        ]);
      });

      it('round-trips Dates as UTC instants, whatever the time zone of the process', async () => {
        const schema = await schemaWith(
          'create table events (id int primary key, at timestamptz not null, wall_clock timestamp not null, created_at timestamptz not null default now())',
        );
        const instants = [new Date('2024-03-10T09:59:59.999Z'), new Date('1999-12-31T23:00:00.001Z'), new Date('2038-01-19T03:14:08Z')];
        const savedTz = process.env['TZ'];
        process.env['TZ'] = 'America/Los_Angeles';
        try {
          await db.knex
            .withSchema(schema)
            .table('events')
            .insert(instants.map((at, index) => ({ id: index, at, wall_clock: at })));
          const rows = await db.knex.raw<{ rows: { at: Date; wall_clock: Date; created_at: Date; at_utc: string; wall: string; at_text: string }[] }>(
            `select at, wall_clock, created_at,
                    to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at_utc,
                    to_char(wall_clock, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as wall,
                    at::text as at_text
             from ??.events order by id`,
            [schema],
          );
          expect(rows.rows.map((row) => row.at.toISOString())).toEqual(instants.map((at) => at.toISOString()));
          expect(rows.rows.map((row) => row.wall_clock.toISOString())).toEqual(instants.map((at) => at.toISOString()));
          expect(rows.rows.map((row) => row.at_utc)).toEqual(instants.map((at) => at.toISOString()));
          expect(rows.rows.map((row) => row.wall)).toEqual(instants.map((at) => at.toISOString()));
          for (const row of rows.rows) {
            expect(row.at_text).toMatch(/\+00$/);
            expect(Math.abs(row.created_at.getTime() - Date.now())).toBeLessThan(60_000);
          }
          const found = await db.knex.withSchema(schema).table<{ id: number; at: Date }>('events').where('at', '=', instants[1] ?? new Date(0)).pluck('id');
          expect(found).toEqual([1]);
        } finally {
          if (savedTz === undefined) delete process.env['TZ'];
          else process.env['TZ'] = savedTz;
        }
      });
    });

    describe('migrations', () => {
      it('creates the schema and applies migrations in order, recording each; a second run applies nothing', async () => {
        const schema = uniqueName('svc');
        const order: string[] = [];
        const migrations: Migration[] = [
          {
            name: '0001_create_users',
            up: async (knex) => {
              order.push('0001');
              await knex.schema.createTable('users', (table) => {
                table.increments('id');
                table.text('name').notNullable();
              });
            },
          },
          {
            name: '0002_add_email',
            up: async (knex) => {
              order.push('0002');
              await knex.schema.alterTable('users', (table) => table.text('email'));
            },
          },
          {
            name: '0003_seed',
            up: async (knex) => {
              order.push('0003');
              await knex('users').insert({ name: 'first', email: 'first@example.com' });
            },
          },
        ];

        const first = await migrate(db, { schema, migrations });
        expect(first).toEqual({ schema, applied: ['0001_create_users', '0002_add_email', '0003_seed'], alreadyApplied: [] });
        expect(order).toEqual(['0001', '0002', '0003']);

        const second = await migrate(db, { schema, migrations });
        expect(second).toEqual({ schema, applied: [], alreadyApplied: ['0001_create_users', '0002_add_email', '0003_seed'] });
        expect(order).toEqual(['0001', '0002', '0003']);

        const applied = await listAppliedMigrations(db, schema);
        expect(applied.map((migration) => migration.name)).toEqual(['0001_create_users', '0002_add_email', '0003_seed']);
        for (const migration of applied) expect(migration.appliedAt).toBeInstanceOf(Date);
        // The tables went into the service's schema, not public.
        const tables = await db.knex.raw<{ rows: { table_schema: string; table_name: string }[] }>(
          "select table_schema, table_name from information_schema.tables where table_name in ('users', 'schema_migrations') and table_schema = ? order by table_name",
          [schema],
        );
        expect(tables.rows.map((row) => row.table_name)).toEqual(['schema_migrations', 'users']);
        expect(await db.knex.withSchema(schema).table('users').pluck('email')).toEqual(['first@example.com']);
      });

      it('applies only the migrations appended since the last run', async () => {
        const schema = uniqueName('svc');
        const base: Migration[] = [{ name: '0001_create_t', up: (knex) => knex.raw('create table t (n int)') }];
        await migrate(db, { schema, migrations: base });
        const more: Migration[] = [...base, { name: '0002_fill_t', up: (knex) => knex.raw('insert into t values (1), (2)') }];
        expect((await migrate(db, { schema, migrations: more })).applied).toEqual(['0002_fill_t']);
        expect(await db.knex.withSchema(schema).table('t').pluck('n')).toEqual([1, 2]);
      });

      it('keeps nothing of a run in which one migration fails, and names that migration', async () => {
        const schema = uniqueName('svc');
        const good: Migration[] = [
          { name: '0001_create_t', up: (knex) => knex.raw('create table t (n int)') },
          { name: '0002_fill_t', up: (knex) => knex.raw('insert into t values (1)') },
        ];
        const failure = await migrate(db, {
          schema,
          migrations: [...good, { name: '0003_broken', up: (knex) => knex.raw('insert into t values (?)', ['not a number']) }],
        }).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(failure).toBeInstanceOf(MigrationError);
        expect(failure).toMatchObject({ schema, migration: '0003_broken' });
        expect((failure as MigrationError).message).toMatch(/^Migration 0003_broken of schema "svc_\w+" failed \(invalid_argument\)/);

        const schemas = await db.knex.raw<{ rows: unknown[] }>('select 1 from information_schema.schemata where schema_name = ?', [schema]);
        expect(schemas.rows).toEqual([]);
        expect(await listAppliedMigrations(db, schema)).toEqual([]);

        expect((await migrate(db, { schema, migrations: good })).applied).toEqual(['0001_create_t', '0002_fill_t']);
      });

      it('refuses a migration inserted before an applied one, and one this build does not know', async () => {
        const schema = uniqueName('svc');
        const first: Migration = { name: '0001_a', up: (knex) => knex.raw('create table a (n int)') };
        const third: Migration = { name: '0003_c', up: (knex) => knex.raw('create table c (n int)') };
        await migrate(db, { schema, migrations: [first, third] });

        const inserted: Migration = { name: '0002_b', up: (knex) => knex.raw('create table b (n int)') };
        await expect(migrate(db, { schema, migrations: [first, inserted, third] })).rejects.toThrow(
          'Migration 0002_b of schema',
        );
        await expect(migrate(db, { schema, migrations: [first] })).rejects.toThrow(/records migrations this build does not define: 0003_c/);
        expect((await listAppliedMigrations(db, schema)).map((migration) => migration.name)).toEqual(['0001_a', '0003_c']);
      });

      it('rolls back newest first to only the bookkeeping table, and migrates again to the same schema', async () => {
        const schema = uniqueName('svc');
        const migrations: Migration[] = [
          { name: '0001_a', up: (knex) => knex.raw('create table a (id serial primary key, n int not null)'), down: (knex) => knex.raw('drop table a') },
          {
            name: '0002_b',
            up: (knex) => knex.raw('create table b (a_id int references a (id)); create index b_a_idx on b (a_id)'),
            down: (knex) => knex.raw('drop index b_a_idx; drop table b'),
          },
        ];
        await migrate(db, { schema, migrations });
        const migrated = await describeSchema(db, schema);
        expect(await rollback(db, { schema, migrations, steps: 2 })).toEqual({ schema, reverted: ['0002_b', '0001_a'], remaining: [] });
        expect((await describeSchema(db, schema)).relations).toEqual(['table schema_migrations']);
        await migrate(db, { schema, migrations });
        expect(await describeSchema(db, schema)).toEqual(migrated);
      });

      it('keeps schemas of different services apart, same table names included', async () => {
        const users = uniqueName('svc');
        const auth = uniqueName('svc');
        const create = (label: string): Migration[] => [
          {
            name: '0001_accounts',
            up: async (knex) => {
              await knex.raw('create table accounts (label text)');
              await knex('accounts').insert({ label });
            },
          },
        ];
        await migrate(db, { schema: users, migrations: create('users') });
        await migrate(db, { schema: auth, migrations: create('auth') });
        expect(await db.knex.withSchema(users).table('accounts').pluck('label')).toEqual(['users']);
        expect(await db.knex.withSchema(auth).table('accounts').pluck('label')).toEqual(['auth']);
      });

      it('lets a handle opened with searchPath use unqualified names of its schema', async () => {
        const schema = uniqueName('svc');
        const handle = await open({ searchPath: [schema, 'public'] });
        await migrate(handle, { schema, migrations: [{ name: '0001_t', up: (knex) => knex.raw("create table t (n int); insert into t values (7)") }] });
        expect(await handle.knex('t').pluck('n')).toEqual([7]);
      });

      it('applies each migration once when migrate runs twice at the same time on one handle', async () => {
        const schema = uniqueName('svc');
        const migrations = countingMigrations();
        const results = await Promise.all([migrate(db, { schema, migrations }), migrate(db, { schema, migrations })]);
        expectOneRunApplied(results.map((result) => result.applied));
        expect(await db.knex.withSchema(schema).table('runs').pluck('step')).toEqual([2, 3]);
      });

      if (target.concurrentSessions) {
        it('applies each migration once when two handles (two service instances) migrate at the same time', async () => {
          const schema = uniqueName('svc');
          const migrations = countingMigrations();
          const [one, two] = await Promise.all([open(), open()]);
          const results = await Promise.all([migrate(one, { schema, migrations }), migrate(two, { schema, migrations })]);
          expectOneRunApplied(results.map((result) => result.applied));
          expect(await db.knex.withSchema(schema).table('runs').pluck('step')).toEqual([2, 3]);
        });
      }
    });

    describe('transactions', () => {
      it('commits the work and returns its result', async () => {
        const schema = await schemaWith('create table t (n int not null)');
        const result = await withTransaction(db, async (trx) => {
          await trx.withSchema(schema).table('t').insert([{ n: 1 }, { n: 2 }]);
          return 'done';
        });
        expect(result).toBe('done');
        expect(await db.knex.withSchema(schema).table('t').orderBy('n').pluck('n')).toEqual([1, 2]);
      });

      it('rolls back every write when the work throws, and passes an AppError through unchanged', async () => {
        const schema = await schemaWith('create table t (n int not null)');
        const domainError = errors.notFound('No such thing.');
        const failure = await withTransaction(db, async (trx) => {
          await trx.withSchema(schema).table('t').insert({ n: 1 });
          await trx.withSchema(schema).table('t').insert({ n: 2 });
          throw domainError;
        }).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(failure).toBe(domainError);
        expect(await db.knex.withSchema(schema).table('t').pluck('n')).toEqual([]);
      });

      it('rolls back the earlier writes when a later statement fails, and translates the error', async () => {
        const schema = await schemaWith('create table t (n int not null)');
        const failure = await withTransaction(db, async (trx) => {
          await trx.withSchema(schema).table('t').insert({ n: 1 });
          await trx.withSchema(schema).table('t').insert({ n: null });
        }).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(failure).toBeInstanceOf(DbError);
        expect(failure).toMatchObject({ code: 'invalid_argument', sqlState: '23502' });
        expect(await db.knex.withSchema(schema).table('t').pluck('n')).toEqual([]);
      });

      it('runs the work again after a serialization failure, keeping only the last attempt', async () => {
        const schema = await schemaWith('create table t (attempt int not null)');
        let attempts = 0;
        const result = await withTransaction(db, async (trx) => {
          attempts += 1;
          await trx.withSchema(schema).table('t').insert({ attempt: attempts });
          if (attempts < 3) await raiseSqlState(trx, attempts === 1 ? 'serialization_failure' : 'deadlock_detected');
          return attempts;
        });
        expect(result).toBe(3);
        expect(await db.knex.withSchema(schema).table('t').pluck('attempt')).toEqual([3]);
      });

      it('gives up after the allowed retries with a retryable unavailable error', async () => {
        let attempts = 0;
        const failure = await withTransaction(
          db,
          async (trx) => {
            attempts += 1;
            await raiseSqlState(trx, 'serialization_failure');
          },
          { retries: 2 },
        ).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(attempts).toBe(3);
        expect(failure).toBeInstanceOf(DbError);
        expect(failure).toMatchObject({ code: 'unavailable', retryable: true, sqlState: '40001', retryAfterSeconds: 1 });
      });

      it('does not retry other failures', async () => {
        let attempts = 0;
        await expect(
          withTransaction(db, async (trx) => {
            attempts += 1;
            await raiseSqlState(trx, 'unique_violation');
          }),
        ).rejects.toMatchObject({ code: 'conflict', retryable: false });
        expect(attempts).toBe(1);
      });

      it('applies the isolation level and read-only mode asked for', async () => {
        const settings = await withTransaction(
          db,
          async (trx) => {
            const isolation = await trx.raw<{ rows: { transaction_isolation: string }[] }>('show transaction_isolation');
            const readOnly = await trx.raw<{ rows: { transaction_read_only: string }[] }>('show transaction_read_only');
            return [isolation.rows[0]?.transaction_isolation, readOnly.rows[0]?.transaction_read_only];
          },
          { isolationLevel: 'serializable', readOnly: true },
        );
        expect(settings).toEqual(['serializable', 'on']);
      });

      if (target.concurrentSessions) {
        it('retries the loser of a real serialization conflict between two serializable transactions', async () => {
          // Write skew: both read "2 on call", each takes a different doctor off call. Under
          // serializable one must fail; its retry then sees only 1 on call and leaves it.
          const schema = await schemaWith('create table doctors (id int primary key, on_call boolean not null); insert into doctors values (1, true), (2, true)');
          const bothHaveRead = barrier(2);
          let attempts = 0;
          const goOffCall = (id: number) =>
            withTransaction(
              db,
              async (trx) => {
                attempts += 1;
                const firstAttempt = attempts <= 2;
                const onCall = await trx.raw<{ rows: { n: number }[] }>('select count(*)::int as n from ??.doctors where on_call', [schema]);
                if (firstAttempt) await bothHaveRead();
                if ((onCall.rows[0]?.n ?? 0) < 2) return false;
                await trx.raw('update ??.doctors set on_call = false where id = ?', [schema, id]);
                return true;
              },
              { isolationLevel: 'serializable' },
            );
          const wentOff = await Promise.all([goOffCall(1), goOffCall(2)]);
          expect(wentOff.filter(Boolean)).toHaveLength(1);
          expect(attempts).toBe(3);
          const stillOnCall = await db.knex.withSchema(schema).table<{ id: number; on_call: boolean }>('doctors').where({ on_call: true }).pluck('id');
          expect(stillOnCall).toHaveLength(1);
        });
      } else {
        it('runs a second transaction only after the first one ends (one embedded backend)', async () => {
          const schema = await schemaWith('create table t (n int not null)');
          const first = await db.knex.transaction();
          let secondSaw: number[] | undefined;
          try {
            await first.withSchema(schema).table('t').insert({ n: 1 });
            const second = withTransaction(db, async (trx) => {
              secondSaw = await trx.withSchema(schema).table<{ n: number }>('t').pluck('n');
            });
            await sleep(100);
            expect(secondSaw).toBeUndefined();
            await first.commit();
            await second;
          } finally {
            if (!first.isCompleted()) await first.rollback();
          }
          expect(secondSaw).toEqual([1]);
        });
      }

      it('translates errors of statements run outside a transaction', async () => {
        await expect(runQuery(db, (knex) => knex.raw('select * from no_such_table_anywhere'))).rejects.toMatchObject({
          code: 'internal',
          sqlState: '42P01',
        });
        expect(await runQuery(db, (knex) => knex.raw<{ rows: { one: number }[] }>('select 1 as one'))).toMatchObject({ rows: [{ one: 1 }] });
      });
    });

    describe('integrity errors', () => {
      it('keeps emails unique case-insensitively (lower(email) unique index) and reports a conflict naming the index', async () => {
        const schema = await schemaWith(`
          create table users (id serial primary key, email text not null);
          create unique index users_email_lower_key on users (lower(email));
        `);
        const users = () => db.knex.withSchema(schema).table<{ id: number; email: string }>('users');
        await users().insert({ email: 'Ann.Lee@Example.com' });
        await users().insert({ email: 'bob@example.com' });

        const failure = await runQuery(db, () => users().insert({ email: 'ann.lee@EXAMPLE.COM' })).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(failure).toBeInstanceOf(DbError);
        expect(failure).toMatchObject({ code: 'conflict', sqlState: '23505', constraint: 'users_email_lower_key', table: 'users' });
        expect(isUniqueViolation(failure, 'users_email_lower_key')).toBe(true);
        const problem = JSON.stringify(toProblem(failure));
        expect(problem).not.toMatch(/ann\.lee|insert|users_email_lower_key|duplicate/i);

        const found = await users().whereRaw('lower(email) = lower(?)', ['ANN.LEE@example.com']).pluck('email');
        expect(found).toEqual(['Ann.Lee@Example.com']);
      });

      it('reports a missing or still-referenced row as precondition_failed, with the constraint', async () => {
        const schema = await schemaWith(`
          create table accounts (id int primary key);
          create table sessions (id int primary key, account_id int not null constraint sessions_account_fk references accounts (id));
          insert into accounts values (1);
          insert into sessions values (1, 1);
        `);
        const toMissing = runQuery(db, (knex) => knex.withSchema(schema).table('sessions').insert({ id: 2, account_id: 42 }));
        await expect(toMissing).rejects.toMatchObject({ code: 'precondition_failed', sqlState: '23503', constraint: 'sessions_account_fk' });
        const stillReferenced = runQuery(db, (knex) => knex.withSchema(schema).table('accounts').where({ id: 1 }).del());
        await expect(stillReferenced).rejects.toMatchObject({ code: 'precondition_failed', constraint: 'sessions_account_fk' });
        await expect(stillReferenced).rejects.toBeInstanceOf(AppError);
      });
    });

    describe('row locking for the outbox', () => {
      if (target.concurrentSessions) {
        it('SELECT … FOR UPDATE SKIP LOCKED hands two open transactions disjoint rows', async () => {
          const schema = await jobsSchema();
          const first = await db.knex.transaction();
          const second = await db.knex.transaction();
          try {
            const firstClaim = await claimJobs(first, schema);
            const secondClaim = await claimJobs(second, schema);
            expect(firstClaim).toEqual([1, 2, 3]);
            expect(secondClaim).toEqual([4, 5, 6]);
            // With everything locked, a third claimer gets nothing instead of waiting.
            expect(await withTransaction(db, (trx) => claimJobs(trx, schema))).toEqual([]);
            await markClaimed(second, schema, secondClaim, 'second');
            await second.commit();
            await markClaimed(first, schema, firstClaim, 'first');
            await first.commit();
          } finally {
            if (!first.isCompleted()) await first.rollback();
            if (!second.isCompleted()) await second.rollback();
          }
          await expectClaims(schema);
        });
      } else {
        it('SELECT … FOR UPDATE SKIP LOCKED works; a second claimer waits for the first and gets the remaining rows', async () => {
          const schema = await jobsSchema();
          const first = await db.knex.transaction();
          let secondClaim: number[] | undefined;
          try {
            const firstClaim = await claimJobs(first, schema);
            expect(firstClaim).toEqual([1, 2, 3]);
            const second = withTransaction(db, async (trx) => {
              const ids = await claimJobs(trx, schema);
              await markClaimed(trx, schema, ids, 'second');
              secondClaim = ids;
            });
            await sleep(100);
            expect(secondClaim).toBeUndefined();
            await markClaimed(first, schema, firstClaim, 'first');
            await first.commit();
            await second;
          } finally {
            if (!first.isCompleted()) await first.rollback();
          }
          expect(secondClaim).toEqual([4, 5, 6]);
          await expectClaims(schema);
        });
      }
    });

    function jobsSchema(): Promise<string> {
      return schemaWith(`
        create table jobs (id int primary key, claimed_by text);
        insert into jobs select n, null from generate_series(1, 6) as n;
      `);
    }

    async function expectClaims(schema: string): Promise<void> {
      const rows = await db.knex.withSchema(schema).table('jobs').select('id', 'claimed_by').orderBy('id');
      expect(rows).toEqual([
        { id: 1, claimed_by: 'first' },
        { id: 2, claimed_by: 'first' },
        { id: 3, claimed_by: 'first' },
        { id: 4, claimed_by: 'second' },
        { id: 5, claimed_by: 'second' },
        { id: 6, claimed_by: 'second' },
      ]);
    }
  });
}

/** Migrations that record in `runs` which steps ran, slowly enough for two runs to overlap. */
function countingMigrations(): Migration[] {
  return [
    { name: '0001_create_runs', up: (knex) => knex.raw('create table runs (step int not null)') },
    { name: '0002_slow', up: (knex) => knex.raw('select pg_sleep(0.2); insert into runs values (2)') },
    { name: '0003_more', up: (knex) => knex.raw('insert into runs values (3)') },
  ];
}

function expectOneRunApplied(applied: (readonly string[])[]): void {
  const sorted = [...applied].sort((a, b) => b.length - a.length);
  expect(sorted).toEqual([['0001_create_runs', '0002_slow', '0003_more'], []]);
}

/** Makes the engine itself raise an error with the given condition name (a real SQLSTATE). */
async function raiseSqlState(trx: Knex.Transaction, condition: 'serialization_failure' | 'deadlock_detected' | 'unique_violation'): Promise<void> {
  await trx.raw(`do $$ begin raise exception 'raised by the contract test' using errcode = '${condition}'; end $$`);
}

async function claimJobs(trx: Knex.Transaction, schema: string): Promise<number[]> {
  const claimed = await trx.raw<{ rows: { id: number }[] }>(
    'select id from ??.jobs where claimed_by is null order by id limit 3 for update skip locked',
    [schema],
  );
  return claimed.rows.map((row) => row.id);
}

async function markClaimed(trx: Knex.Transaction, schema: string, ids: number[], by: string): Promise<void> {
  await trx.withSchema(schema).table('jobs').whereIn('id', ids).update({ claimed_by: by });
}

/** Resolves for everyone once `parties` callers are waiting. */
function barrier(parties: number): () => Promise<void> {
  let waiting = 0;
  let release: () => void = () => undefined;
  const allThere = new Promise<void>((resolve) => {
    release = resolve;
  });
  return async () => {
    waiting += 1;
    if (waiting >= parties) release();
    await allThere;
  };
}
