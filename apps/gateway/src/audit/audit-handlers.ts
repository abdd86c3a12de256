import type { Response } from 'express';
import { auditV1, type restApi } from '@coffer/contracts';
import { errors, toAppError, unaryCall, type Logger } from '@coffer/platform';
import { callerOf, parametersOf } from '../http/gateway-app.js';
import type { OperationHandlers } from '../http/operation.js';
import { writeStreamedBody } from '../http/streamed-body.js';

type Schemas = restApi.components['schemas'];

export interface AuditHandlerDeps {
  audit: auditV1.AuditServiceClient;
  deadlineMs: number;
  logger: Logger;
}

const OUTCOMES = new Set(['success', 'failure', 'denied']);

/** The audit query of a request: the filters, and who is asking (visibility is the audit service's). */
function queryOf(res: Response): auditV1.QueryEventsRequest {
  const p = parametersOf(res);
  const text = (name: string) => (typeof p[name] === 'string' ? p[name] : '');
  const time = (name: string) => (typeof p[name] === 'string' ? new Date(p[name]) : undefined);
  const caller = callerOf(res);
  return auditV1.QueryEventsRequest.fromPartial({
    actorId: caller.userId,
    requesterAdmin: caller.admin,
    filterActorId: text('actor'),
    filterSubject: text('resource'),
    filterAction: text('action'),
    filterOutcome: text('outcome'),
    fromTime: time('from'),
    toTime: time('to'),
    pageSize: typeof p['pageSize'] === 'number' ? p['pageSize'] : 50,
    pageToken: text('pageToken'),
  });
}

function toAuditEvent(event: auditV1.AuditEvent): Schemas['AuditEvent'] {
  let data: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(event.dataJson) as unknown;
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) data = parsed as Record<string, unknown>;
  } catch {
    data = {};
  }
  return {
    id: event.id,
    type: event.type,
    source: event.source,
    action: event.action,
    outcome: (OUTCOMES.has(event.outcome) ? event.outcome : 'success') as Schemas['AuditEvent']['outcome'],
    time: (event.time ?? new Date(0)).toISOString(),
    seq: Math.max(1, event.seq),
    data,
    ...(event.actorId ? { actorId: event.actorId } : {}),
    ...(event.subject ? { subject: event.subject } : {}),
    ...(event.ownerId ? { ownerId: event.ownerId } : {}),
    ...(event.hash ? { hash: event.hash } : {}),
    ...(event.traceparent ? { traceparent: event.traceparent } : {}),
  };
}

/** Handlers of the audit operations: query, export (streamed) and the administrators' verify. */
export function auditHandlers(deps: AuditHandlerDeps): OperationHandlers {
  const { audit, deadlineMs } = deps;
  return {
    listAuditEvents: async (_req, res) => {
      const { events, nextPageToken } = await unaryCall(audit.queryEvents.bind(audit), queryOf(res), deadlineMs);
      res.status(200).json({ events: events.map(toAuditEvent), ...(nextPageToken ? { nextPageToken } : {}) });
    },

    exportAuditEvents: async (_req, res) => {
      const p = parametersOf(res);
      const csv = p['format'] === 'csv';
      const call = audit.exportEvents({
        query: queryOf(res),
        format: csv ? auditV1.ExportFormat.EXPORT_FORMAT_CSV : auditV1.ExportFormat.EXPORT_FORMAT_NDJSON,
        limit: typeof p['limit'] === 'number' ? p['limit'] : 100_000,
      });
      const cancel = () => call.cancel();
      res.once('close', cancel);
      const messages = call[Symbol.asyncIterator]() as AsyncIterator<auditV1.ExportEventsResponse>;
      let first: IteratorResult<auditV1.ExportEventsResponse>;
      try {
        first = await messages.next();
      } catch (error) {
        res.off('close', cancel);
        throw toAppError(error);
      }
      res.status(200);
      res.setHeader('content-type', csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
      res.setHeader('content-disposition', `attachment; filename="audit.${csv ? 'csv' : 'ndjson'}"`);
      res.setHeader('cache-control', 'no-store');
      async function* chunks(): AsyncGenerator<Uint8Array> {
        for (let next = first; !next.done; next = await messages.next()) yield next.value.chunk;
      }
      try {
        await writeStreamedBody(res, chunks(), { logger: deps.logger, message: 'audit export aborted after its headers were sent' });
      } finally {
        res.off('close', cancel);
      }
    },

    verifyAuditChain: async (_req, res) => {
      if (!callerOf(res).admin) throw errors.permissionDenied('Only administrators may do this.');
      const result = await unaryCall(audit.verifyChain.bind(audit), {}, Math.max(deadlineMs, 300_000));
      res.status(200).json({ ok: result.ok, rowsChecked: result.rowsChecked, checkpointsChecked: result.checkpointsChecked, problems: result.problems });
    },
  };
}
