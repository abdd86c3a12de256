import type { Knex } from 'knex';
import { withTransaction, type Database } from '@coffer/db';
import { createEvent, type CloudEvent } from '@coffer/events';
import { writeToOutbox } from '@coffer/outbox';
import type { Logger } from '@coffer/platform';
import { AUTH_SCHEMA } from '../credentials/auth-migrations.js';

/** `source` of every event auth writes. */
export const AUTH_EVENT_SOURCE = 'coffer/auth';

/**
 * `subject` (the bus key) of events about no particular user. A failed sign-in is keyed by this
 * constant, never by the email tried: the trail must not list who tried which account.
 */
export const AUTH_ANONYMOUS_SUBJECT = 'auth';

/** The events auth writes (events/schemas/auth.*.v1.json). Ids only: no email, no password. */
export type AuthEvent =
  | { type: 'auth.user_registered'; userId: string }
  | { type: 'auth.login_succeeded'; userId: string; sessionId: string }
  | { type: 'auth.login_failed'; reason: 'bad_credentials' | 'throttled' }
  | { type: 'auth.session_revoked'; userId: string; sessionId: string; reason: string }
  | { type: 'auth.sessions_revoked_all'; userId: string; count: number }
  | { type: 'auth.refresh_reuse_detected'; userId: string; sessionId: string; familyId: string }
  | { type: 'auth.password_changed'; userId: string };

/** The CloudEvent of `event`: subject = the user id, or {@link AUTH_ANONYMOUS_SUBJECT}. */
export function authCloudEvent(event: AuthEvent, time: Date): CloudEvent {
  const { type, ...data } = event;
  const subject = 'userId' in event ? event.userId : AUTH_ANONYMOUS_SUBJECT;
  return createEvent({ type, source: AUTH_EVENT_SOURCE, subject, time, data });
}

/**
 * Records `events` in `auth.outbox` inside `trx`, the transaction of the change they describe
 * (credentials, refresh families): they are published if and only if that change commits.
 */
export async function writeAuthEvents(trx: Knex.Transaction, events: readonly AuthEvent[], time: Date): Promise<void> {
  await writeToOutbox(
    trx,
    AUTH_SCHEMA,
    events.map((event) => authCloudEvent(event, time)),
  );
}

/**
 * Where auth's events that have no database change of their own go: `auth.login_failed` (the
 * refusal changes nothing in the database; the throttle counters live in the rate limiter).
 * Every other event is written by the repositories in the transaction of its change.
 */
export interface AuthEventSink {
  emit(event: AuthEvent): Promise<void>;
}

/**
 * Writes each event into `auth.outbox` in a small transaction of its own. This is "at least
 * once after the decision", not atomic with anything: the decision (a refused sign-in) is
 * already taken and answered from memory and the rate limiter (Redis); a crash or a database
 * failure between the decision and this write loses the event. A failed write fails the call
 * with the database's error (the client still gets no session).
 */
export class OutboxAuthEventSink implements AuthEventSink {
  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async emit(event: AuthEvent): Promise<void> {
    await withTransaction(this.db, (trx) => writeAuthEvents(trx, [event], this.now()));
    // Debug only, and ids only: the event carries no email or password, and neither does this.
    this.logger.debug({ event_type: event.type }, 'auth event written to the outbox');
  }
}
