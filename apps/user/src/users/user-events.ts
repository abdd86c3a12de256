import type { Knex } from 'knex';
import { createEvent, type CloudEvent } from '@coffer/events';
import { writeToOutbox } from '@coffer/outbox';
import { USERS_SCHEMA } from './user-migrations.js';

/** `source` of every event the user service writes. */
export const USER_EVENT_SOURCE = 'coffer/user';

/** A profile field an update may change; the event names the field, never its value. */
export type UserField = 'email' | 'displayName';

/**
 * The events the user service writes (events/schemas/user.*.v1.json). They carry ids and field
 * names, never emails or display names: the bus and the audit trail must not copy profiles.
 */
export type UserEvent =
  | { type: 'user.created'; userId: string }
  | { type: 'user.updated'; userId: string; fields: UserField[] }
  | { type: 'user.deleted'; userId: string; purged: boolean };

/** The CloudEvent of `event`: subject = the user id (the bus key, so a user's events stay in order). */
export function userCloudEvent(event: UserEvent, time: Date): CloudEvent {
  const { type, ...data } = event;
  return createEvent({ type, source: USER_EVENT_SOURCE, subject: event.userId, time, data });
}

/**
 * Records `events` in `users.outbox` inside `trx`, the transaction of the change they describe:
 * they are published (by the OutboxRelay) if and only if that change commits.
 */
export async function writeUserEvents(trx: Knex.Transaction, events: readonly UserEvent[], time: Date): Promise<void> {
  await writeToOutbox(
    trx,
    USERS_SCHEMA,
    events.map((event) => userCloudEvent(event, time)),
  );
}
