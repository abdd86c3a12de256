import { auditV1 } from '@coffer/contracts';
import { parseForwardedEvents, type EventBus, type EventSchemaRegistry } from '@coffer/events';
import type { HmacKeyRing } from '@coffer/integrity';
import { AppError } from '@coffer/platform';
import { AUDIT_OUTCOMES, type AuditOutcome, type AuditRow } from '../chain/audit-record.js';
import type { CheckpointStore } from '../chain/checkpoint-store.js';
import { verifyChain } from '../chain/verify-chain.js';
import type { AuditQuery, AuditStore } from '../store/audit-store.js';
import { csvHeader, csvLine, ndjsonLine } from './export-format.js';
import { decodeAuditPageToken, encodeAuditPageToken } from './page-token.js';

/** QueryEvents page size when the caller gives none (0). */
export const DEFAULT_PAGE_SIZE = 50;
/** Larger page sizes are lowered to this. */
export const MAX_PAGE_SIZE = 200;
/** Export row limit when the caller gives none (0). */
export const DEFAULT_EXPORT_LIMIT = 100_000;
/** Larger export limits are lowered to this. */
export const MAX_EXPORT_LIMIT = 1_000_000;
/** Rows read from the store per export page. */
export const EXPORT_PAGE_SIZE = 1_000;
/** Most events one PublishEvents call may carry. */
export const MAX_PUBLISH_EVENTS = 1_000;
const MAX_FILTER_LENGTH = 500;

/** What the AuditService operations need. */
export interface AuditOperationsDeps {
  readonly store: AuditStore;
  readonly checkpoints: CheckpointStore;
  readonly keys: HmacKeyRing;
  /** The embedded bus this process hosts, or undefined with Kafka (PublishEvents is then refused). */
  readonly embeddedBus: EventBus | undefined;
  readonly registry: EventSchemaRegistry;
}

/**
 * The operations of `coffer.audit.v1.AuditService` without gRPC: validation, visibility and
 * the mapping to the contract's messages. The gateway authenticates the requester and passes
 * who they are (actor_id, requester_admin); the peer allowlist lets only the gateway ask.
 */
export class AuditOperations {
  readonly #deps: AuditOperationsDeps;

  constructor(deps: AuditOperationsDeps) {
    this.#deps = deps;
  }

  /** One page, newest first (seq descending), of the rows the requester may see. */
  async queryEvents(request: auditV1.QueryEventsRequest): Promise<auditV1.QueryEventsResponse> {
    const query = toAuditQuery(request);
    if (!Number.isInteger(request.pageSize) || request.pageSize < 0) throw invalid('pageSize: must not be negative.');
    const pageSize = request.pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(request.pageSize, MAX_PAGE_SIZE);
    const beforeSeq = request.pageToken === '' ? undefined : decodeAuditPageToken(request.pageToken);
    // One row more than the page tells whether a next page exists.
    const rows = await this.#deps.store.query(query, { ...(beforeSeq === undefined ? {} : { beforeSeq }), limit: pageSize + 1 });
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    return {
      events: page.map(toAuditEvent),
      nextPageToken: rows.length > pageSize && last !== undefined ? encodeAuditPageToken(last.seq) : '',
    };
  }

  /**
   * The export as chunks (one per store page: never the whole result in memory). The caller
   * writes each chunk before asking for the next, so a slow client slows the reads.
   */
  async *exportEvents(request: auditV1.ExportEventsRequest): AsyncGenerator<Buffer> {
    const query = toAuditQuery(request.query ?? auditV1.QueryEventsRequest.fromPartial({}));
    if (!Number.isInteger(request.limit) || request.limit < 0) throw invalid('limit: must not be negative.');
    const limit = request.limit === 0 ? DEFAULT_EXPORT_LIMIT : Math.min(request.limit, MAX_EXPORT_LIMIT);
    const format = request.format === auditV1.ExportFormat.EXPORT_FORMAT_CSV ? 'csv' : request.format === auditV1.ExportFormat.EXPORT_FORMAT_NDJSON ? 'ndjson' : undefined;
    if (format === undefined) throw invalid('format: must be EXPORT_FORMAT_NDJSON or EXPORT_FORMAT_CSV.');
    const line = format === 'csv' ? csvLine : ndjsonLine;
    if (format === 'csv') yield Buffer.from(csvHeader(), 'utf8');
    let sent = 0;
    let beforeSeq: number | undefined;
    while (sent < limit) {
      const rows: AuditRow[] = await this.#deps.store.query(query, { ...(beforeSeq === undefined ? {} : { beforeSeq }), limit: Math.min(EXPORT_PAGE_SIZE, limit - sent) });
      if (rows.length === 0) return;
      yield Buffer.from(rows.map(line).join(''), 'utf8');
      sent += rows.length;
      beforeSeq = rows[rows.length - 1]?.seq;
    }
  }

  async verifyChain(): Promise<auditV1.VerifyChainResponse> {
    const result = await verifyChain(this.#deps.store, this.#deps.checkpoints, this.#deps.keys);
    return { ok: result.ok, rowsChecked: result.rowsChecked, checkpointsChecked: result.checkpointsChecked, problems: [...result.problems] };
  }

  /** Validates every event first (nothing is published when one is invalid), then publishes them in order. */
  async publishEvents(request: auditV1.PublishEventsRequest): Promise<auditV1.PublishEventsResponse> {
    const bus = this.#deps.embeddedBus;
    if (bus === undefined) {
      throw new AppError('precondition_failed', { detail: 'The platform runs on Kafka: publish events to Kafka, not to the audit service.' });
    }
    const events = parseForwardedEvents(request.eventsJson, this.#deps.registry, MAX_PUBLISH_EVENTS);
    await bus.publish(events);
    return {};
  }
}

function invalid(detail: string): AppError {
  return new AppError('invalid_argument', { detail });
}

function optionalFilter(value: string, name: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > MAX_FILTER_LENGTH) throw invalid(`${name}: at most ${MAX_FILTER_LENGTH} characters.`);
  return value;
}

/** The store query a request asks for; the requester is required unless they are an admin. */
export function toAuditQuery(request: auditV1.QueryEventsRequest): AuditQuery {
  const requesterId = request.actorId.trim();
  if (!request.requesterAdmin && requesterId === '') throw invalid('actorId: the requester is required.');
  if (requesterId.length > MAX_FILTER_LENGTH) throw invalid(`actorId: at most ${MAX_FILTER_LENGTH} characters.`);
  const outcome = optionalFilter(request.filterOutcome, 'filterOutcome');
  if (outcome !== undefined && !AUDIT_OUTCOMES.includes(outcome as AuditOutcome)) throw invalid('filterOutcome: must be success, failure or denied.');
  const fromMs = request.fromTime?.getTime();
  const toMs = request.toTime?.getTime();
  for (const [name, value] of [['fromTime', fromMs], ['toTime', toMs]] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) throw invalid(`${name}: must be a time after 1970.`);
  }
  if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) throw invalid('fromTime: must not be after toTime.');
  const actorId = optionalFilter(request.filterActorId, 'filterActorId');
  const subject = optionalFilter(request.filterSubject, 'filterSubject');
  const action = optionalFilter(request.filterAction, 'filterAction');
  return {
    requesterId,
    requesterAdmin: request.requesterAdmin,
    ...(actorId === undefined ? {} : { actorId }),
    ...(subject === undefined ? {} : { subject }),
    ...(action === undefined ? {} : { action }),
    ...(outcome === undefined ? {} : { outcome: outcome as AuditOutcome }),
    ...(fromMs === undefined ? {} : { fromMs }),
    ...(toMs === undefined ? {} : { toMs }),
  };
}

/** A row as the contract's AuditEvent. */
export function toAuditEvent(row: AuditRow): auditV1.AuditEvent {
  return {
    id: row.id,
    type: row.type,
    source: row.source,
    actorId: row.actorId,
    subject: row.subject,
    action: row.action,
    outcome: row.outcome,
    time: new Date(row.timeMs),
    dataJson: row.dataJson,
    ownerId: row.ownerId,
    seq: row.seq,
    hash: row.hash,
    traceparent: row.traceparent,
  };
}
