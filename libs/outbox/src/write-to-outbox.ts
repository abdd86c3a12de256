import { assertCloudEvent, serializeEvent, topicForEventType, type CloudEvent } from '@coffer/events';
import type { Knex } from 'knex';
import { assertOutboxSchema, OUTBOX_TABLE } from './outbox-table.js';

/** Options of {@link writeToOutbox}. */
export interface WriteToOutboxOptions {
  /**
   * Topic namespace recorded in the `topic` column (for operators; the relay's bus picks the
   * topic it publishes to). Default: the bus default, `coffer`.
   */
  readonly namespace?: string;
}

/**
 * Records `events` in `<schema>.outbox` inside the caller's transaction, so they are published
 * if and only if the state change they describe commits. Pass the `trx` that `withTransaction`
 * gave you, never `db.knex`: a row written outside the transaction survives its rollback.
 *
 * Every envelope is validated first (`AppError('invalid_argument')`, nothing written); data
 * schemas are checked by the bus when the relay publishes. A second write of an event id fails
 * the transaction (unique violation → `conflict`).
 */
export async function writeToOutbox(
  trx: Knex.Transaction,
  schema: string,
  events: readonly CloudEvent[],
  options: WriteToOutboxOptions = {},
): Promise<void> {
  assertOutboxSchema(schema);
  if (events.length === 0) return;
  for (const event of events) assertCloudEvent(event);
  const rows = events.map((event) => ({
    event_id: event.id,
    topic: options.namespace === undefined ? topicForEventType(event.type) : topicForEventType(event.type, options.namespace),
    event_key: event.subject,
    payload: serializeEvent(event),
  }));
  // Inserted in the given order, so ids (and therefore publish order) follow it.
  await trx.withSchema(schema).table(OUTBOX_TABLE).insert(rows);
}
