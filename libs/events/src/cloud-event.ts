import { randomUUID } from 'node:crypto';
import { AppError } from '@coffer/platform';
import { createAjv, describeAjvError } from './ajv.js';

/** JSON values an event's `data` may hold. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * One domain event: a CloudEvents 1.0 envelope in JSON (structured mode) plus the W3C trace
 * context extension attributes. `subject` is the id of the resource the event is about; it is
 * the bus key, so events about one resource stay in order.
 */
export interface CloudEvent<TData extends JsonValue = JsonValue> {
  /** Unique per event; consumers deduplicate by it. */
  readonly id: string;
  /** URI reference of the producer, e.g. `/coffer/auth`. */
  readonly source: string;
  /** `<domain>.<what_happened>`, e.g. `auth.login_succeeded`; the domain picks the topic. */
  readonly type: string;
  readonly specversion: '1.0';
  /** RFC 3339 time the state change happened. */
  readonly time: string;
  /** Id of the resource the event is about (the bus key). */
  readonly subject: string;
  readonly datacontenttype: 'application/json';
  readonly data: TData;
  /** W3C `traceparent` of the operation that produced the event, if any. */
  readonly traceparent?: string;
  /** W3C `tracestate`, only with `traceparent`. */
  readonly tracestate?: string;
}

/** What {@link createEvent} needs; `id` and `time` default to a random UUID and now. */
export interface NewEvent<TData extends JsonValue = JsonValue> {
  readonly type: string;
  readonly source: string;
  readonly subject: string;
  readonly data: TData;
  readonly id?: string;
  readonly time?: string | Date;
  readonly traceparent?: string;
  readonly tracestate?: string;
}

/** `<domain>.<name>[.<name>...]`, lower case; the domain becomes the topic (`coffer.<domain>.v1`). */
export const EVENT_TYPE_PATTERN = '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$';
const TRACEPARENT_PATTERN = '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$';

const envelopeSchema = {
  type: 'object',
  required: ['id', 'source', 'type', 'specversion', 'time', 'subject', 'datacontenttype', 'data'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 200 },
    source: { type: 'string', minLength: 1, maxLength: 500, format: 'uri-reference' },
    type: { type: 'string', maxLength: 200, pattern: EVENT_TYPE_PATTERN },
    specversion: { const: '1.0' },
    time: { type: 'string', format: 'date-time' },
    subject: { type: 'string', minLength: 1, maxLength: 500 },
    datacontenttype: { const: 'application/json' },
    data: {},
    traceparent: { type: 'string', pattern: TRACEPARENT_PATTERN },
    tracestate: { type: 'string', maxLength: 512 },
  },
  // Strict on purpose: an attribute nobody validates is an attribute nobody can rely on. New
  // extension attributes are added here first (docs/adr/0013-event-bus.md).
  additionalProperties: false,
} as const;

const validateEnvelope = createAjv().compile<CloudEvent>(envelopeSchema);

/** Throws `AppError('invalid_argument')` naming the first attribute that is wrong. */
export function assertCloudEvent(value: unknown): asserts value is CloudEvent {
  if (validateEnvelope(value)) return;
  const { path, message } = describeAjvError(validateEnvelope.errors?.[0], 'event');
  throw new AppError('invalid_argument', { detail: `Invalid event: attribute "${path}" ${message}.` });
}

/** Builds and validates an event (the envelope only; data is checked by the schema registry). */
export function createEvent<TData extends JsonValue>(input: NewEvent<TData>): CloudEvent<TData> {
  const time = input.time instanceof Date ? input.time.toISOString() : (input.time ?? new Date().toISOString());
  const event = {
    id: input.id ?? randomUUID(),
    source: input.source,
    type: input.type,
    specversion: '1.0' as const,
    time,
    subject: input.subject,
    datacontenttype: 'application/json' as const,
    data: input.data,
    ...(input.traceparent === undefined ? {} : { traceparent: input.traceparent }),
    ...(input.tracestate === undefined ? {} : { tracestate: input.tracestate }),
  };
  if (event.tracestate !== undefined && event.traceparent === undefined) {
    throw new AppError('invalid_argument', { detail: 'Invalid event: attribute "tracestate" requires "traceparent".' });
  }
  assertCloudEvent(event);
  return event;
}

/** Parses a structured-mode CloudEvents JSON document and validates the envelope. */
export function parseEvent(json: string | Uint8Array): CloudEvent {
  const text = typeof json === 'string' ? json : Buffer.from(json).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AppError('invalid_argument', { detail: 'Invalid event: not a JSON document.', cause: error });
  }
  assertCloudEvent(value);
  return value;
}

/** The structured-mode JSON of an event, as stored on the bus. */
export function serializeEvent(event: CloudEvent): string {
  return JSON.stringify(event);
}
