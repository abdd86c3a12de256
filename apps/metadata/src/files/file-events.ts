import { createEvent, type CloudEvent } from '@coffer/events';

/** `source` of every event the metadata service writes. */
export const METADATA_EVENT_SOURCE = 'coffer/metadata';

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * A W3C traceparent worth recording, or undefined. Version ff, an all-zero trace or span id
 * are invalid per the spec; an invalid value is dropped rather than failing the change it
 * describes (tracing is best effort).
 */
export function validTraceparent(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim().toLowerCase();
  if (!TRACEPARENT.test(trimmed)) return undefined;
  const [version, traceId, spanId] = trimmed.split('-');
  if (version === 'ff' || traceId === '0'.repeat(32) || spanId === '0'.repeat(16)) return undefined;
  return trimmed;
}

/** Who made a change and the trace it belongs to; recorded in the event. */
export interface ChangeContext {
  /** The acting user (a UUID). */
  readonly actorId: string;
  readonly traceparent?: string | undefined;
  /** The policy decision that allowed the change, recorded in the event as `authorizedBy`. */
  readonly authorizedBy?: string | undefined;
}

/** The data of `file.uploaded` (events/schemas/file.uploaded.v1.json). */
export interface FileUploadedData {
  readonly [key: string]: string | number | boolean;
  fileId: string;
  ownerId: string;
  actorId: string;
  name: string;
  folder: string;
  version: number;
  size: number;
  sha256: string;
  contentType: string;
  sniffedContentType: string;
  created: boolean;
}

/** The data of `file.updated` (events/schemas/file.updated.v1.json). */
export interface FileUpdatedData {
  readonly [key: string]: string;
  fileId: string;
  ownerId: string;
  actorId: string;
  name: string;
  folder: string;
  previousName: string;
  previousFolder: string;
}

/** The data of `file.deleted` (events/schemas/file.deleted.v1.json). */
export interface FileDeletedData {
  readonly [key: string]: string | boolean;
  fileId: string;
  ownerId: string;
  actorId: string;
  purged: boolean;
}

/** The data of `file.restored` (events/schemas/file.restored.v1.json). */
export interface FileRestoredData {
  readonly [key: string]: string;
  fileId: string;
  ownerId: string;
  actorId: string;
}

/** The data of `integrity.failed` (events/schemas/integrity.failed.v1.json). */
export interface IntegrityFailedData {
  readonly [key: string]: string | number;
  fileId: string;
  ownerId: string;
  version: number;
  detectedBy: 'read' | 'scrub';
  reason: string;
}

/** The events the metadata service writes, by type. */
export interface MetadataEventData {
  'file.uploaded': FileUploadedData;
  'file.updated': FileUpdatedData;
  'file.deleted': FileDeletedData;
  'file.restored': FileRestoredData;
  'integrity.failed': IntegrityFailedData;
}

/**
 * Builds one metadata event: subject = the file id (the bus key, so a file's events stay in
 * order), time = when the change happened, traceparent only when valid.
 */
export function metadataEvent<T extends keyof MetadataEventData>(
  type: T,
  data: MetadataEventData[T],
  options: { readonly time: Date; readonly traceparent?: string | undefined; readonly authorizedBy?: string | undefined },
): CloudEvent {
  const traceparent = validTraceparent(options.traceparent);
  // The policy decision behind the change reaches the audit trail (at most 200 characters).
  const authorizedBy = options.authorizedBy?.slice(0, 200);
  return createEvent({
    type,
    source: METADATA_EVENT_SOURCE,
    subject: data.fileId,
    time: options.time,
    data: authorizedBy === undefined || authorizedBy === '' ? data : { ...data, authorizedBy },
    ...(traceparent === undefined ? {} : { traceparent }),
  });
}
