import type { HttpTransport } from './http-transport.js';
import { paginate } from './paginate.js';
import type { AuditEvent, AuditEventPage, AuditVerification, ExportAuditEventsQuery, ListAuditEventsQuery } from './schemas.js';

/** The tamper-evident audit trail. */
export class AuditApi {
  /** @internal */
  constructor(private readonly transport: HttpTransport) {}

  /** Matching events, newest first, fetching pages as iteration needs them. */
  list(query: ListAuditEventsQuery = {}): AsyncIterableIterator<AuditEvent> {
    return paginate(async (pageToken) => {
      const page = await this.listPage({ ...query, pageToken });
      return { items: page.events, nextPageToken: page.nextPageToken };
    });
  }

  /** One page of events. */
  listPage(query: ListAuditEventsQuery & { pageToken?: string | undefined } = {}): Promise<AuditEventPage> {
    return this.transport.json<AuditEventPage>({ method: 'GET', path: '/v1/audit', query });
  }

  /** The events as NDJSON (default) or CSV, streamed. */
  async export(query: ExportAuditEventsQuery = {}): Promise<ReadableStream<Uint8Array>> {
    const response = await this.transport.send({ method: 'GET', path: '/v1/audit/export', query });
    return response.body ?? new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
  }

  /** Recomputes the hash chain and checks it against the signed checkpoints (administrators only). */
  verify(): Promise<AuditVerification> {
    return this.transport.json<AuditVerification>({ method: 'POST', path: '/v1/admin/audit/verify' });
  }
}
