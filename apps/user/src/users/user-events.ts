import type { Logger } from '@coffer/platform';

/** The events the user service emits (CloudEvents types once the event bus lands, issue 6). */
export type UserEvent =
  | { type: 'user.created'; userId: string }
  | { type: 'user.updated'; userId: string; fields: ('email' | 'displayName')[] }
  | { type: 'user.deleted'; userId: string; purged: boolean };

/** Where the user service's events go. */
export interface UserEventSink {
  emit(event: UserEvent): Promise<void>;
}

/**
 * Until the transactional outbox and bus exist (issue 6), events are structured log lines
 * (`event_type`), so every emitting point is in place. They carry ids, never emails or names.
 */
export class LogUserEventSink implements UserEventSink {
  constructor(private readonly logger: Logger) {}

  emit(event: UserEvent): Promise<void> {
    const { type, ...fields } = event;
    this.logger.info({ event_type: type, ...fields }, 'user event');
    return Promise.resolve();
  }
}

/** Keeps events in memory (tests assert on them). */
export class RecordingUserEventSink implements UserEventSink {
  readonly events: UserEvent[] = [];

  emit(event: UserEvent): Promise<void> {
    this.events.push(event);
    return Promise.resolve();
  }
}
