import { setTimeout as sleep } from 'node:timers/promises';
import { runQuery, withTransaction, type Database } from '@coffer/db';
import { assertCloudEvent, contextOfTraceparent, traceHeadersOf, type CloudEvent, type EventBus, type TraceHeaders } from '@coffer/events';
import { markSpanFailed, type Logger } from '@coffer/platform';
import { context as otelContext, SpanKind, trace, type Span, type Tracer } from '@opentelemetry/api';
import { assertOutboxSchema } from './outbox-table.js';

/** Options of {@link OutboxRelay}. */
export interface OutboxRelayOptions {
  readonly db: Database;
  /** The schema holding the outbox (the one `outboxMigration` was applied to). */
  readonly schema: string;
  readonly bus: EventBus;
  readonly logger: Logger;
  /** Rows claimed and published per transaction. Default 100. */
  readonly batchSize?: number;
  /** Wait after a run that found nothing (or failed) before the next one, in ms. Default 250. */
  readonly idleWaitMs?: number;
  /** Backoff after the first failed publish of a row, in ms; doubles per attempt. Default 1 000. */
  readonly baseBackoffMs?: number;
  /** Upper bound of the backoff, in ms. Default 60 000. */
  readonly maxBackoffMs?: number;
  /**
   * The service's tracer. Each published row gets a `publish <topic>` span (kind PRODUCER)
   * whose parent is the event's stored `traceparent`; the record's `traceparent` header names
   * that span, so consumers continue the trace under it. Without it nothing is traced and the
   * header repeats the event's `traceparent`.
   */
  readonly tracer?: Tracer;
}

/** What {@link OutboxRelay.backlog} reports (the metrics hooks). */
export interface OutboxBacklog {
  /** Rows not yet published, including those waiting out a backoff. */
  readonly count: number;
  /** Age of the oldest unpublished row in seconds (database clock); 0 when there is none. */
  readonly oldestAgeSeconds: number;
}

interface ClaimedRow {
  readonly id: string;
  readonly topic: string;
  readonly payload: unknown;
}

const LAST_ERROR_MAX_LENGTH = 1_000;

/**
 * Publishes outbox rows through an {@link EventBus} (docs/adr/0014-outbox.md).
 *
 * Each run is one transaction: claim up to `batchSize` unpublished, available rows in id order
 * with `FOR UPDATE SKIP LOCKED`, publish them in that order in one `bus.publish`, then mark them
 * published. Rows another instance holds are skipped, so several relays never publish the same
 * row at once. When publishing fails the rows stay unpublished with `attempts + 1`, `last_error`
 * and `available_at = now() + min(maxBackoffMs, baseBackoffMs · 2^(attempts))`: nothing is lost.
 *
 * Delivery is at least once: a crash after the bus accepted a batch and before the commit
 * publishes it again; consumers deduplicate by event id.
 *
 * Order per key (`subject`): within one relay, rows of a key are published in id order — a
 * batch is published in id order, and a row is not claimed while an earlier row of its key
 * waits out a backoff. Across several running relays this holds only for rows claimed by the
 * same relay: while relay A holds rows 1–100, relay B may publish rows 101–200, overtaking
 * rows of the same key in A's batch. Services that need strict per-key order run one relay
 * (the others idle as standbys do no harm, but also no good).
 */
export class OutboxRelay {
  readonly #db: Database;
  readonly #schema: string;
  readonly #bus: EventBus;
  readonly #logger: Logger;
  readonly #batchSize: number;
  readonly #idleWaitMs: number;
  readonly #baseBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #tracer: Tracer | undefined;
  #loop: Promise<void> | undefined;
  #stopping: AbortController | undefined;

  constructor(options: OutboxRelayOptions) {
    assertOutboxSchema(options.schema);
    this.#db = options.db;
    this.#schema = options.schema;
    this.#bus = options.bus;
    this.#logger = options.logger;
    this.#batchSize = positiveInteger('batchSize', options.batchSize ?? 100);
    this.#idleWaitMs = positiveInteger('idleWaitMs', options.idleWaitMs ?? 250);
    this.#baseBackoffMs = positiveInteger('baseBackoffMs', options.baseBackoffMs ?? 1_000);
    this.#maxBackoffMs = positiveInteger('maxBackoffMs', options.maxBackoffMs ?? 60_000);
    if (this.#maxBackoffMs < this.#baseBackoffMs) throw new RangeError('maxBackoffMs must be >= baseBackoffMs');
    this.#tracer = options.tracer;
  }

  /**
   * Claims and publishes one batch; resolves with how many rows were published (0 when none
   * was available or the bus refused the batch — then the rows were scheduled for retry).
   * Rejects only when the database fails (translated AppError).
   */
  async runOnce(): Promise<number> {
    // No automatic retry: the work talks to the bus, so running it twice is not free.
    return withTransaction(
      this.#db,
      async (trx) => {
        const claimed = await trx.raw<{ rows: ClaimedRow[] }>(
          `select o.id, o.topic, o.payload from ??.outbox o
            where o.published_at is null
              and o.available_at <= now()
              and not exists (
                select 1 from ??.outbox e
                 where e.event_key = o.event_key and e.id < o.id
                   and e.published_at is null and e.available_at > now())
            order by o.id
            limit ?
            for update of o skip locked`,
          [this.#schema, this.#schema, this.#batchSize],
        );
        const rows = claimed.rows;
        if (rows.length === 0) return 0;
        const ids = rows.map((row) => row.id);
        let spans: Span[] = [];
        try {
          const events = rows.map((row) => toEvent(row));
          spans = this.#publishSpans(rows, events);
          await this.#publish(events, spans);
          for (const span of spans) span.end();
        } catch (error) {
          for (const span of spans) {
            markSpanFailed(span, error);
            span.end();
          }
          const message = describe(error).slice(0, LAST_ERROR_MAX_LENGTH);
          await trx.raw(
            `update ??.outbox
                set attempts = attempts + 1,
                    last_error = ?,
                    available_at = now() + least(?::float8, ?::float8 * power(2, least(attempts, 30))) * interval '1 millisecond'
              where id = any(?::bigint[])`,
            [this.#schema, message, this.#maxBackoffMs, this.#baseBackoffMs, ids],
          );
          this.#logger.warn({ err: error, schema: this.#schema, rows: ids.length, firstId: ids[0] }, 'outbox publish failed; rows scheduled for retry');
          return 0;
        }
        await trx.raw('update ??.outbox set published_at = now() where id = any(?::bigint[])', [this.#schema, ids]);
        return rows.length;
      },
      { retries: 0 },
    );
  }

  /** One PRODUCER span per row, each a child of its event's stored traceparent (a root span without one). */
  #publishSpans(rows: readonly ClaimedRow[], events: readonly CloudEvent[]): Span[] {
    const tracer = this.#tracer;
    if (tracer === undefined) return [];
    return events.map((event, index) =>
      tracer.startSpan(
        `publish ${rows[index]?.topic ?? event.type}`,
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            'messaging.operation.type': 'send',
            'messaging.operation.name': 'publish',
            'messaging.destination.name': rows[index]?.topic ?? '',
            'messaging.message.id': event.id,
            'messaging.batch.message_count': events.length,
            'cloudevents.event_type': event.type,
            'coffer.outbox.schema': this.#schema,
          },
        },
        contextOfTraceparent(event.traceparent, event.tracestate),
      ),
    );
  }

  /**
   * Publishes with each record's trace headers naming its publish span. A bus without record
   * headers (the forwarding bus of `make dev`, a gRPC call) sees the active context: the
   * publish span when the batch holds one event, so that call joins its trace too.
   */
  async #publish(events: readonly CloudEvent[], spans: readonly Span[]): Promise<void> {
    if (spans.length === 0) {
      await this.#bus.publish(events);
      return;
    }
    const traceHeaders: (TraceHeaders | undefined)[] = spans.map((span) => traceHeadersOf(span));
    const only = spans.length === 1 ? spans[0] : undefined;
    const active = only === undefined ? otelContext.active() : trace.setSpan(otelContext.active(), only);
    await otelContext.with(active, () => this.#bus.publish(events, { traceHeaders }));
  }

  /** Unpublished rows and the age of the oldest one; for backlog metrics and alerts. */
  async backlog(): Promise<OutboxBacklog> {
    const result = await runQuery(this.#db, (knex) =>
      knex.raw<{ rows: { count: number; oldest_age_seconds: number }[] }>(
        `select count(*)::int as count,
                coalesce(extract(epoch from (now() - min(created_at))), 0)::float8 as oldest_age_seconds
           from ??.outbox where published_at is null`,
        [this.#schema],
      ),
    );
    const row = result.rows[0];
    return Object.freeze({ count: row?.count ?? 0, oldestAgeSeconds: Math.max(0, row?.oldest_age_seconds ?? 0) });
  }

  /**
   * Runs batches back to back while there is work, waiting `idleWaitMs` after a run that
   * published nothing or failed (failures are logged). Calling it while started does nothing.
   */
  start(): void {
    if (this.#loop !== undefined) return;
    const controller = new AbortController();
    this.#stopping = controller;
    this.#loop = this.#run(controller.signal);
  }

  /** Stops after the batch in progress (which still commits or rolls back as a whole). Idempotent. */
  async stop(): Promise<void> {
    this.#stopping?.abort();
    await this.#loop;
    this.#loop = undefined;
    this.#stopping = undefined;
  }

  async #run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let published = 0;
      try {
        published = await this.runOnce();
      } catch (error) {
        this.#logger.error({ err: error, schema: this.#schema }, 'outbox relay run failed');
      }
      if (published < this.#batchSize && !signal.aborted) {
        await sleep(this.#idleWaitMs, undefined, { signal }).catch(() => undefined);
      }
    }
  }
}

function toEvent(row: ClaimedRow): CloudEvent {
  // jsonb arrives parsed on both engines; a text payload (hand-written row) is parsed here.
  const value: unknown = typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload;
  assertCloudEvent(value);
  return value;
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number >= 1 (got ${value})`);
  return value;
}
