/** Name of the outbox table inside the producing service's schema. */
export const OUTBOX_TABLE = 'outbox';

/**
 * The schema name goes into SQL as a quoted identifier; accept only plain lower-case names
 * (the rule `@coffer/db` applies to schemas), so no quoting rule can be got wrong.
 */
export function assertOutboxSchema(schema: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`schema must be a lower-case SQL identifier of at most 63 characters (got ${JSON.stringify(schema)})`);
  }
}
