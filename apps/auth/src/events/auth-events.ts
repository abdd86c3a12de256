import type { Logger } from '@coffer/platform';

/** The events auth emits (CloudEvents types once the event bus lands, issue 6). */
export type AuthEvent =
  | { type: 'auth.user_registered'; userId: string }
  | { type: 'auth.login_succeeded'; userId: string; sessionId: string }
  | { type: 'auth.login_failed'; reason: 'bad_credentials' | 'throttled' }
  | { type: 'auth.session_revoked'; userId: string; sessionId: string; reason: string }
  | { type: 'auth.sessions_revoked_all'; userId: string; count: number }
  | { type: 'auth.refresh_reuse_detected'; userId: string; sessionId: string; familyId: string }
  | { type: 'auth.password_changed'; userId: string };

/** Where auth's events go. */
export interface AuthEventSink {
  emit(event: AuthEvent): Promise<void>;
}

/**
 * Until the transactional outbox and bus exist (issue 6), events are written as structured log
 * lines (`event_type`), so every emitting point is in place and visible. Failed logins carry no
 * email: the log must not become a list of who tried which account.
 */
export class LogAuthEventSink implements AuthEventSink {
  constructor(private readonly logger: Logger) {}

  emit(event: AuthEvent): Promise<void> {
    const { type, ...fields } = event;
    this.logger.info({ event_type: type, ...fields }, 'auth event');
    return Promise.resolve();
  }
}
