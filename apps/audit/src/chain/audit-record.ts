import { createHash } from 'node:crypto';
import { eventParties, type CloudEvent, type JsonValue } from '@coffer/events';

/** What an audit row says about how the action ended. */
export type AuditOutcome = 'success' | 'failure' | 'denied';

/** The outcomes, for validation and bounded metric labels. */
export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ['success', 'failure', 'denied'];

/** The chain hash before the first row: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The fields of an audit row that come from its event, before it has a place in the chain.
 * Strings are '' when the event has no value (ClickHouse columns are not Nullable).
 */
export interface AuditRecord {
  /** The event id (the idempotency key). */
  readonly id: string;
  readonly type: string;
  readonly source: string;
  readonly actorId: string;
  readonly subject: string;
  readonly ownerId: string;
  /** The event type, as the query API's `action` filter. */
  readonly action: string;
  readonly outcome: AuditOutcome;
  /** Event time in epoch milliseconds (the CloudEvent time, cut to ms). */
  readonly timeMs: number;
  readonly traceparent: string;
  /** The event data as canonical JSON (keys sorted), so the hash input is reproducible. */
  readonly dataJson: string;
}

/** A chained audit row: a record with its chain position and hashes. */
export interface AuditRow extends AuditRecord {
  /** Position in the chain, 1-based, without gaps. */
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
  /** When the store accepted the row (epoch ms). Not hashed: it is bookkeeping, not evidence. */
  readonly ingestedAtMs: number;
}

const FAILURE_TYPES = new Set(['auth.login_failed', 'integrity.failed']);
const DENIED_TYPES = new Set(['access.denied', 'auth.refresh_reuse_detected']);

/** `*.failed`, `auth.login_failed`, `integrity.failed` → failure; `access.denied`, `auth.refresh_reuse_detected` → denied; else success. */
export function outcomeOfType(type: string): AuditOutcome {
  if (DENIED_TYPES.has(type)) return 'denied';
  if (FAILURE_TYPES.has(type) || type.endsWith('.failed')) return 'failure';
  return 'success';
}

/**
 * The audit record of an event. Actor: `data.actorId`, else `data.userId`. Owner:
 * `data.ownerId`, else `data.userId` for `user.*` and `auth.*` events (a user owns their account).
 */
export function auditRecordOf(event: CloudEvent): AuditRecord {
  const { actorId, ownerId } = eventParties(event);
  const timeMs = Date.parse(event.time);
  return {
    id: event.id,
    type: event.type,
    source: event.source,
    actorId,
    subject: event.subject,
    ownerId,
    action: event.type,
    outcome: outcomeOfType(event.type),
    timeMs: Number.isFinite(timeMs) ? timeMs : 0,
    traceparent: event.traceparent ?? '',
    dataJson: canonicalJson(event.data),
  };
}

/** JSON with object keys sorted at every level and no whitespace (RFC 8785-like for our values). */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${(value as readonly JsonValue[]).map((item) => canonicalJson(item)).join(',')}]`;
  const object = value as { readonly [key: string]: JsonValue };
  const keys = Object.keys(object).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key] ?? null)}`).join(',')}}`;
}

/**
 * The chain hash of a row: SHA-256 (lowercase hex) over the canonical JSON array
 * `[prevHash, seq, id, type, timeMs, source, subject, actorId, ownerId, action, outcome,
 * traceparent, dataJson]`. Every column a reader relies on is covered, so editing any of them,
 * or the row's place in the chain, changes the hash.
 */
export function chainHash(prevHash: string, seq: number, record: AuditRecord): string {
  const material = JSON.stringify([
    prevHash,
    seq,
    record.id,
    record.type,
    record.timeMs,
    record.source,
    record.subject,
    record.actorId,
    record.ownerId,
    record.action,
    record.outcome,
    record.traceparent,
    record.dataJson,
  ]);
  return createHash('sha256').update(material, 'utf8').digest('hex');
}

/** Chains a record after `prev` (seq 0 / {@link GENESIS_HASH} for the first row). */
export function chainRow(record: AuditRecord, prev: { readonly seq: number; readonly hash: string }, ingestedAtMs: number): AuditRow {
  const seq = prev.seq + 1;
  return { ...record, seq, prevHash: prev.hash, hash: chainHash(prev.hash, seq, record), ingestedAtMs };
}
