import { assertSqlIdentifier, type Database } from './create-database.js';
import { translateDbError } from './db-error.js';

/**
 * What a schema holds, each entry one sorted line of text, so two descriptions compare with
 * `toEqual` and a difference reads as a diff. Made to check that a migration's `down` exactly
 * reverses its `up` (up → down → up describes the same schema) and for `status` output.
 */
export interface SchemaDescription {
  readonly schema: string;
  /** Tables, views and sequences: `table users`, `sequence outbox_id_seq`. */
  readonly relations: readonly string[];
  /** `table.column type [not null] [default …]`, by table then position. */
  readonly columns: readonly string[];
  /** The index definitions PostgreSQL would recreate them with. */
  readonly indexes: readonly string[];
  /** `table.constraint definition` for primary keys, uniques, checks and foreign keys. */
  readonly constraints: readonly string[];
}

const RELATION_KINDS: Readonly<Record<string, string>> = { r: 'table', p: 'table', v: 'view', m: 'view', S: 'sequence' };

/** Reads the catalog of `schema`; a missing schema describes as empty. */
export async function describeSchema(db: Database, schema: string): Promise<SchemaDescription> {
  assertSqlIdentifier(schema, 'schema');
  try {
    const relations = await db.knex.raw<{ rows: { relname: string; relkind: string }[] }>(
      `select c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = ? and c.relkind in ('r', 'p', 'v', 'm', 'S')`,
      [schema],
    );
    const columns = await db.knex.raw<{ rows: { table_name: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null }[] }>(
      `select table_name, column_name, data_type, is_nullable, column_default from information_schema.columns
        where table_schema = ? order by table_name collate "C", ordinal_position`,
      [schema],
    );
    const indexes = await db.knex.raw<{ rows: { indexdef: string }[] }>('select indexdef from pg_indexes where schemaname = ?', [schema]);
    const constraints = await db.knex.raw<{ rows: { relname: string; conname: string; definition: string }[] }>(
      `select c.relname, k.conname, pg_get_constraintdef(k.oid) as definition
         from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = ?`,
      [schema],
    );
    return Object.freeze({
      schema,
      relations: sorted(relations.rows.map((row) => `${RELATION_KINDS[row.relkind] ?? row.relkind} ${row.relname}`)),
      columns: Object.freeze(
        columns.rows.map(
          (row) =>
            `${row.table_name}.${row.column_name} ${row.data_type}${row.is_nullable === 'NO' ? ' not null' : ''}${
              row.column_default === null ? '' : ` default ${row.column_default}`
            }`,
        ),
      ),
      indexes: sorted(indexes.rows.map((row) => row.indexdef)),
      constraints: sorted(constraints.rows.map((row) => `${row.relname}.${row.conname} ${row.definition}`)),
    });
  } catch (error) {
    throw translateDbError(error);
  }
}

function sorted(lines: string[]): readonly string[] {
  return Object.freeze(lines.sort());
}
