import { AppError, type Logger } from '@coffer/platform';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { parseEvent, type CloudEvent } from './cloud-event.js';
import type { DeadLetterReason, DeliveryContext, EventHandler } from './event-bus.js';
import type { EventSchemaRegistry } from './event-schema-registry.js';
import { withConsumeSpan, type ConsumeSpanInput } from './event-tracing.js';

/** What happened to one delivered record. */
export type ConsumeOutcome =
  | { readonly kind: 'handled' }
  | { readonly kind: 'dead_letter'; readonly reason: DeadLetterReason; readonly error: string; readonly attempts: number }
  | { readonly kind: 'stopped' };

export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_RETRY_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 10_000;

/** What {@link consumeRecord} needs to trace a delivery; the location comes from the record. */
export type ConsumeTracing = Omit<ConsumeSpanInput, 'topic' | 'partition' | 'offset'>;

/** Input of {@link consumeRecord}. */
export interface ConsumeRecordInput {
  readonly value: Uint8Array | string | null;
  readonly registry: EventSchemaRegistry;
  readonly handler: EventHandler;
  readonly location: Omit<DeliveryContext, 'attempt'>;
  readonly maxAttempts: number;
  readonly retryBackoffMs: number;
  /** Aborted when the subscription stops: no further attempt is made. */
  readonly signal: AbortSignal;
  readonly logger: Logger | undefined;
  /** Called before each retry (Kafka: a heartbeat, so a slow retry does not cost the group membership). */
  readonly beforeRetry?: () => Promise<void>;
  /** When given, the whole delivery (every attempt) runs in a `process <topic>` consumer span. */
  readonly tracing?: ConsumeTracing;
}

/**
 * Shared by both buses: parse, validate, run the handler up to `maxAttempts` times; inside a
 * `process <topic>` span continuing the record's `traceparent` when `tracing` is given.
 */
export async function consumeRecord(input: ConsumeRecordInput): Promise<ConsumeOutcome> {
  const tracing = input.tracing;
  if (tracing === undefined) return consumeUntraced(input);
  return withConsumeSpan({ ...tracing, ...input.location }, async (span) => {
    const outcome = await consumeUntraced(input);
    span.setAttribute('coffer.event.outcome', outcome.kind);
    if (outcome.kind === 'dead_letter') {
      span.setAttributes({ 'coffer.event.dead_letter_reason': outcome.reason, 'coffer.event.attempts': outcome.attempts });
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.reason });
    }
    return outcome;
  });
}

async function consumeUntraced(input: ConsumeRecordInput): Promise<ConsumeOutcome> {
  let event: CloudEvent;
  try {
    if (input.value === null) throw new AppError('invalid_argument', { detail: 'Invalid event: the record has no value.' });
    event = parseEvent(input.value);
    input.registry.validate(event);
  } catch (error) {
    return { kind: 'dead_letter', reason: 'invalid_event', error: errorText(error), attempts: 0 };
  }
  let lastError = '';
  for (let attempt = 1; attempt <= input.maxAttempts; attempt++) {
    if (input.signal.aborted) return { kind: 'stopped' };
    try {
      await input.handler(event, { ...input.location, attempt });
      return { kind: 'handled' };
    } catch (error) {
      lastError = errorText(error);
      trace.getActiveSpan()?.addEvent('handler failed', { 'coffer.event.attempt': attempt, 'exception.message': lastError });
      input.logger?.warn(
        { eventId: event.id, eventType: event.type, topic: input.location.topic, partition: input.location.partition, offset: input.location.offset, attempt, err: error },
        'event handler failed',
      );
    }
    if (attempt < input.maxAttempts) {
      await sleep(Math.min(input.retryBackoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS), input.signal);
      await input.beforeRetry?.();
    }
  }
  return { kind: 'dead_letter', reason: 'handler_failed', error: lastError, attempts: input.maxAttempts };
}

/** The largest `SubscribeOptions.maxInFlight`. */
export const MAX_IN_FLIGHT = 10_000;

export function validateSubscribeNumbers(maxAttempts: number, retryBackoffMs: number, maxInFlight = 1): void {
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1 || maxInFlight > MAX_IN_FLIGHT) {
    throw new AppError('invalid_argument', { detail: `maxInFlight must be a whole number from 1 to ${MAX_IN_FLIGHT}.` });
  }
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 100) {
    throw new AppError('invalid_argument', { detail: 'maxAttempts must be a whole number from 1 to 100.' });
  }
  if (!Number.isInteger(retryBackoffMs) || retryBackoffMs < 0 || retryBackoffMs > MAX_BACKOFF_MS) {
    throw new AppError('invalid_argument', { detail: `retryBackoffMs must be a whole number from 0 to ${MAX_BACKOFF_MS}.` });
  }
}

/** One line for the `dlq_error` header; AppError details are safe, other messages are cut short. */
function errorText(error: unknown): string {
  if (error instanceof AppError) return `${error.code}: ${error.detail ?? error.message}`;
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 1_000 ? `${text.slice(0, 1_000)}…` : text;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms === 0) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
