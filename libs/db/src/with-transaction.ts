import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import type { Database } from './create-database.js';
import { DbError, translateDbError } from './db-error.js';

/** Options of {@link withTransaction}. */
export interface TransactionOptions {
  /**
   * How many times to run the transaction again after a serialization failure or deadlock
   * (a {@link DbError} with `retryable`). Default 3; 0 turns retrying off.
   */
  readonly retries?: number;
  /** Default: the server's (`read committed`). */
  readonly isolationLevel?: 'read committed' | 'repeatable read' | 'serializable';
  readonly readOnly?: boolean;
}

const DEFAULT_RETRIES = 3;
const BACKOFF_BASE_MS = 10;
const BACKOFF_CAP_MS = 250;

/**
 * Runs `work` in one transaction: commits when it resolves, rolls back when it throws. Errors
 * come out translated (`translateDbError`); AppErrors thrown by `work` come out unchanged.
 *
 * When the transaction loses a race (serialization failure, deadlock) it is rolled back and
 * `work` runs again from the start, up to `retries` times, after a short jittered pause. So
 * `work` must touch nothing but the database (no calls to other services, no events sent):
 * everything else belongs after commit, or in the outbox written inside the transaction.
 */
export async function withTransaction<T>(
  db: Database,
  work: (trx: Knex.Transaction) => PromiseLike<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const retries = options.retries ?? DEFAULT_RETRIES;
  if (!Number.isInteger(retries) || retries < 0) throw new RangeError(`retries must be a whole number >= 0 (got ${retries})`);
  const config: Knex.TransactionConfig = {
    ...(options.isolationLevel === undefined ? {} : { isolationLevel: options.isolationLevel }),
    ...(options.readOnly === undefined ? {} : { readOnly: options.readOnly }),
  };
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await db.knex.transaction(async (trx) => await work(trx), config);
    } catch (error) {
      const translated = translateDbError(error);
      if (!(translated instanceof DbError && translated.retryable) || attempt >= retries) throw translated;
      await sleep(backoffMs(attempt));
    }
  }
}

/**
 * Runs statements outside an explicit transaction (each one commits on its own) and
 * translates their errors: `await runQuery(db, (knex) => knex('users').where({ id }).first())`.
 * Nothing is retried: use {@link withTransaction} for work that may lose a race.
 */
export async function runQuery<T>(db: Database, work: (knex: Knex) => PromiseLike<T>): Promise<T> {
  try {
    return await work(db.knex);
  } catch (error) {
    throw translateDbError(error);
  }
}

/** Full jitter over an exponential ceiling: 0-10 ms, 0-20 ms, 0-40 ms, …, at most 250 ms. */
function backoffMs(attempt: number): number {
  return Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
}
