import { createEvent, type CloudEvent } from '@coffer/events';
import type { GrantPermission } from './policy-model.js';

/** The `source` of every event the policy service produces. */
export const POLICY_EVENT_SOURCE = 'coffer/policy';

/** Who made a change, and the trace it belongs to (carried into the events). */
export interface ChangeContext {
  /** The user who made the change (a UUID). */
  readonly actorId: string;
  /** W3C traceparent of the request; dropped unless it is well-formed. */
  readonly traceparent?: string | undefined;
}

const TRACEPARENT = /^(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The traceparent when it is a valid W3C one, else undefined (an event must never fail on it). */
export function validTraceparent(value: string | undefined): string | undefined {
  return value !== undefined && TRACEPARENT.test(value) ? value : undefined;
}

interface EventInput {
  readonly type: 'share.granted' | 'share.revoked' | 'link.created' | 'link.revoked';
  readonly fileId: string;
  readonly time: Date;
  readonly change: ChangeContext;
  readonly data: Record<string, string | number>;
}

function policyEvent(input: EventInput): CloudEvent {
  const traceparent = validTraceparent(input.change.traceparent);
  return createEvent({
    type: input.type,
    source: POLICY_EVENT_SOURCE,
    subject: input.fileId,
    time: input.time,
    data: input.data,
    ...(traceparent === undefined ? {} : { traceparent }),
  });
}

/** `share.granted` (events/schemas/share.granted.v1.json). */
export function shareGrantedEvent(
  grant: { id: string; fileId: string; granteeId: string; permission: GrantPermission; expiresAt: Date | undefined },
  change: ChangeContext,
  time: Date,
): CloudEvent {
  return policyEvent({
    type: 'share.granted',
    fileId: grant.fileId,
    time,
    change,
    data: {
      shareId: grant.id,
      fileId: grant.fileId,
      actorId: change.actorId,
      granteeId: grant.granteeId,
      permission: grant.permission,
      ...(grant.expiresAt === undefined ? {} : { expiresAt: grant.expiresAt.toISOString() }),
    },
  });
}

/** `share.revoked` (events/schemas/share.revoked.v1.json). */
export function shareRevokedEvent(grant: { id: string; fileId: string; granteeId: string }, change: ChangeContext, time: Date): CloudEvent {
  return policyEvent({
    type: 'share.revoked',
    fileId: grant.fileId,
    time,
    change,
    data: { shareId: grant.id, fileId: grant.fileId, actorId: change.actorId, granteeId: grant.granteeId },
  });
}

/** `link.created` (events/schemas/link.created.v1.json). */
export function linkCreatedEvent(link: { id: string; fileId: string; version: number; expiresAt: Date }, change: ChangeContext, time: Date): CloudEvent {
  return policyEvent({
    type: 'link.created',
    fileId: link.fileId,
    time,
    change,
    data: { linkId: link.id, fileId: link.fileId, actorId: change.actorId, version: link.version, expiresAt: link.expiresAt.toISOString() },
  });
}

/** `link.revoked` (events/schemas/link.revoked.v1.json). */
export function linkRevokedEvent(link: { id: string; fileId: string }, change: ChangeContext, time: Date): CloudEvent {
  return policyEvent({ type: 'link.revoked', fileId: link.fileId, time, change, data: { linkId: link.id, fileId: link.fileId, actorId: change.actorId } });
}
