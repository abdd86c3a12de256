import type { CloudEvent, JsonValue } from './cloud-event.js';

/** The users an event is about, as every consumer that filters by user reads them. */
export interface EventParties {
  /** Who acted: `data.actorId`, else `data.userId`; '' when neither is there. */
  readonly actorId: string;
  /** Whose resource it is: `data.ownerId`, else `data.userId` for `user.*` and `auth.*` events (a user owns their account); ''. */
  readonly ownerId: string;
}

function stringField(data: JsonValue, key: string): string {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return '';
  const value = (data as { readonly [key: string]: JsonValue })[key];
  return typeof value === 'string' ? value : '';
}

/**
 * The actor and owner of an event. The audit trail stores them per row, and a user sees an
 * event (in the audit query for non-admins, and through webhooks) when they are its actor, its
 * owner or its subject — one rule, read from the event here.
 */
export function eventParties(event: CloudEvent): EventParties {
  const domain = event.type.split('.')[0] ?? '';
  const userId = stringField(event.data, 'userId');
  return {
    actorId: stringField(event.data, 'actorId') || userId,
    ownerId: stringField(event.data, 'ownerId') || (domain === 'user' || domain === 'auth' ? userId : ''),
  };
}

/** Whether `userId` may see `event`: they are its actor, owner or subject. */
export function isEventVisibleTo(event: CloudEvent, userId: string): boolean {
  if (userId === '') return false;
  const { actorId, ownerId } = eventParties(event);
  return actorId === userId || ownerId === userId || event.subject === userId;
}
