import { withTransaction, type Database } from '@coffer/db';
import { createEvent, type CloudEvent } from '@coffer/events';
import { writeToOutbox } from '@coffer/outbox';

/** `file.downloaded` data (events/schemas/file.downloaded.v1.json). */
export interface FileDownloaded {
  fileId: string;
  ownerId: string;
  /** The user, or `link:<id>` for a share link. */
  actorId: string;
  version: number;
  bytes: number;
  partial: boolean;
  authorizedBy?: string;
}

/** `access.denied` data (events/schemas/access.denied.v1.json). */
export interface AccessDenied {
  actorId: string;
  action: string;
  resource: string;
  ownerId?: string;
  reason: string;
}

/** Where the file service records the events it produces itself (the rest come from metadata). */
export interface FileEventSink {
  fileDownloaded(data: FileDownloaded, traceparent?: string): Promise<void>;
  accessDenied(data: AccessDenied, traceparent?: string): Promise<void>;
}

/** The schema of the file service's own database: it holds only the outbox. */
export const FILE_OUTBOX_SCHEMA = 'file_service';
const SOURCE = '/coffer/file';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * Writes the events to the file service's outbox; the OutboxRelay publishes them. There is no
 * state change of ours to commit with them, so each event is its own small transaction: the
 * outbox still buys delivery when the bus is down.
 */
export class OutboxFileEventSink implements FileEventSink {
  constructor(private readonly db: Database) {}

  fileDownloaded(data: FileDownloaded, traceparent?: string): Promise<void> {
    const { authorizedBy, ...rest } = data;
    return this.write(
      event('file.downloaded', data.fileId, { ...rest, ...(authorizedBy === undefined || authorizedBy === '' ? {} : { authorizedBy: authorizedBy.slice(0, 200) }) }, traceparent),
    );
  }

  accessDenied(data: AccessDenied, traceparent?: string): Promise<void> {
    const { ownerId, ...rest } = data;
    // The schema wants a uuid owner: anything else is left out rather than failing the relay.
    const owner: Record<string, string> = ownerId !== undefined && UUID.test(ownerId) ? { ownerId } : {};
    // Subject = the file id, as in every other event about the file (the audit trail's resource).
    const subject = data.resource.startsWith('file/') ? data.resource.slice('file/'.length) : data.resource;
    return this.write(event('access.denied', subject, { ...rest, reason: data.reason.slice(0, 200), ...owner }, traceparent));
  }

  private async write(cloudEvent: CloudEvent): Promise<void> {
    await withTransaction(this.db, (trx) => writeToOutbox(trx, FILE_OUTBOX_SCHEMA, [cloudEvent]));
  }
}

function event(type: string, subject: string, data: Record<string, string | number | boolean>, traceparent: string | undefined): CloudEvent {
  return createEvent({ type, source: SOURCE, subject, data, ...(traceparent !== undefined && TRACEPARENT.test(traceparent) ? { traceparent } : {}) });
}
