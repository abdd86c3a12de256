import { setTimeout as sleep } from 'node:timers/promises';
import { platformEventTopics, subscribeWithRetry, type CloudEvent, type EventBus, type Subscription } from '@coffer/events';
import type { HmacKeyRing } from '@coffer/integrity';
import type { Logger } from '@coffer/platform';
import { context as otelContext, SpanKind, SpanStatusCode, trace, type Context, type Link, type Tracer } from '@opentelemetry/api';
import { auditRecordOf, chainRow, type AuditOutcome, type AuditRow } from '../chain/audit-record.js';
import { signCheckpoint, type CheckpointStore } from '../chain/checkpoint-store.js';
import type { AuditStore, ChainHead } from '../store/audit-store.js';

/** The consumer group of the audit ingestor. */
export const AUDIT_CONSUMER_GROUP = 'audit';

/** What the ingestor reports (main.ts binds these to Prometheus metrics). */
export interface IngestorMetrics {
  batchWritten(seconds: number, rows: number): void;
  ingested(outcome: AuditOutcome, count: number): void;
  chainLength(seq: number): void;
}

/** Options of {@link AuditIngestor}. */
export interface AuditIngestorOptions {
  /** First pause when the store or the bus does not answer at start-up, doubled up to 15 s. Default 1 s. */
  readonly startRetryBaseMs?: number;
  readonly bus: EventBus;
  readonly store: AuditStore;
  readonly checkpoints: CheckpointStore;
  readonly keys: HmacKeyRing;
  readonly logger: Logger;
  /** Rows per store write at most (COFFER_AUDIT_BATCH_SIZE). */
  readonly batchSize: number;
  /** Longest an event waits in the buffer before a write starts (COFFER_AUDIT_BATCH_MAX_WAIT_MS). */
  readonly maxWaitMs: number;
  /** A signed checkpoint every this many rows (COFFER_AUDIT_CHECKPOINT_EVERY). */
  readonly checkpointEvery: number;
  /**
   * Consumers this process runs in the group (COFFER_AUDIT_CONSUMERS). Each bus consumer hands
   * over up to `batchSize` events of a partition at once (`maxInFlight`), which wait for their
   * write; so up to consumers × batchSize events can be waiting. Default 8.
   */
  readonly consumers?: number;
  /** Consumer group. Default {@link AUDIT_CONSUMER_GROUP}. */
  readonly group?: string;
  /** Topics to consume. Default: the topic of every event type in the contracts. */
  readonly topics?: readonly string[];
  readonly metrics?: IngestorMetrics;
  readonly now?: () => number;
  /** How long the buffer waits for more events once none arrive, in ms. Default 2 (capped by maxWaitMs). */
  readonly lingerMs?: number;
  /**
   * The service's tracer: each batch write is an `audit insert` span, a child of the first
   * event's `process <topic>` span with links to every event's (see {@link AuditIngestor}).
   */
  readonly tracer?: Tracer;
}

interface Pending {
  readonly event: CloudEvent;
  /** The context the bus handed the event in (its `process <topic>` span). */
  readonly context: Context;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** Every domain topic of the platform: the topic of each event type in the contracts. */
export function allDomainTopics(namespace?: string): string[] {
  return platformEventTopics(namespace);
}

/**
 * Consumes every domain topic into the audit store and chains the rows.
 *
 * Each handler call puts its event in a buffer and resolves only after the batch holding it
 * is written (so the bus commits an event only once it is durable in the store: a crash loses
 * nothing, the bus delivers again). Each consumer subscribes with `maxInFlight = batchSize`, so
 * it hands over up to that many events of a partition at once, in offset order. A batch is
 * written when it holds `batchSize` events, when no event arrived for `lingerMs`, or
 * `maxWaitMs` after its first event — whichever comes first; events that arrive during a write
 * form the next one. Writes are sequential and a failed one is retried before any later batch,
 * so seq follows the order events were handed over (per key: partition order).
 *
 * Idempotent by event id: before chaining a batch the ingestor asks the store which ids it
 * has, and skips them (and repeats within the batch), so a redelivered event never gets a
 * second seq. The ingestor is the single chain writer: run one active ingestor per deployment
 * (docs/services/audit.md).
 *
 * Tracing: a batch mixes events of several traces, so its `audit insert` span cannot be the
 * child of all of them. It is the child of the first event's `process <topic>` span — that
 * span stays open until the write ends, because its handler waits for it, so the first
 * event's trace holds a real, nested tree — and it links to every event's process span, so
 * the other traces find the write through the link.
 */
export class AuditIngestor {
  readonly #options: AuditIngestorOptions;
  readonly #now: () => number;
  readonly #consumers: number;
  readonly #lingerMs: number;
  #buffer: Pending[] = [];
  #firstBufferedAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #head: ChainHead | undefined;
  #lastCheckpointSeq = 0;
  #subscriptions: Subscription[] = [];
  #state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  #subscribed = false;
  /** Aborted by stop(): ends a start() still waiting for the bus. */
  readonly #starting = new AbortController();
  readonly #retryBaseMs: number;

  constructor(options: AuditIngestorOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#consumers = options.consumers ?? 8;
    this.#lingerMs = Math.min(options.lingerMs ?? 2, options.maxWaitMs);
    this.#retryBaseMs = options.startRetryBaseMs ?? 1_000;
  }

  /** The last chained row (after start). */
  get head(): ChainHead | undefined {
    return this.#head;
  }

  /** True once stop() was called. */
  get stopping(): boolean {
    return this.#state === 'stopping' || this.#state === 'stopped';
  }

  /** True once every consumer has joined its group (what readiness waits for). */
  get subscribed(): boolean {
    return this.#subscribed;
  }

  /** Runs `work` until it succeeds, with backoff (1 s doubling to 15 s), unless stop() is called. */
  async #retryWhileStarting<T>(what: string, work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      this.#starting.signal.throwIfAborted();
      try {
        return await work();
      } catch (error) {
        const delayMs = Math.min(15_000, this.#retryBaseMs * 2 ** (attempt - 1));
        this.#options.logger.warn({ err: error, attempt, retry_in_ms: delayMs }, `${what} failed; retrying`);
        await sleep(delayMs, undefined, { signal: this.#starting.signal });
      }
    }
  }

  /** Loads the chain head, then joins the consumer group with `consumers` consumers. */
  async start(): Promise<void> {
    if (this.#state !== 'new') throw new Error('The ingestor was started already.');
    this.#state = 'running';
    // A store or checkpoint database that does not answer yet is waited for, like the bus below.
    const [head, latest] = await this.#retryWhileStarting('reading the chain head', () => Promise.all([this.#options.store.chainHead(), this.#options.checkpoints.latest()]));
    this.#head = head;
    this.#lastCheckpointSeq = latest?.seq ?? 0;
    this.#options.metrics?.chainLength(this.#head.seq);
    const topics = [...(this.#options.topics ?? allDomainTopics(this.#options.bus.topicNamespace))];
    for (let i = 0; i < this.#consumers; i += 1) {
      // A broker that is down (at start-up, or stopped while a consumer is still joining) is
      // waited for: the service stays up and not ready, and consumes once it is back.
      // maxInFlight = batchSize: a consumer hands over a whole batch's worth of events of a
      // partition, started in offset order, so one write carries many rows (ADR 0023).
      const subscription = await subscribeWithRetry(
        this.#options.bus,
        { group: this.#options.group ?? AUDIT_CONSUMER_GROUP, topics, maxInFlight: this.#options.batchSize, handler: (event) => this.#enqueue(event) },
        { logger: this.#options.logger, signal: this.#starting.signal },
      );
      this.#subscriptions.push(subscription);
    }
    this.#subscribed = true;
    this.#options.logger.info({ head: this.#head.seq, consumers: this.#consumers, topics: topics.length }, 'audit ingestor started');
  }

  /**
   * Graceful stop: leaves the group (events in the buffer are still written and committed),
   * writes what is left, then a checkpoint at the chain head.
   */
  async stop(): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'stopping') return;
    this.#state = 'stopping';
    this.#starting.abort();
    const leaving = Promise.all(this.#subscriptions.map((subscription) => subscription.stop()));
    // While the consumers leave, their in-flight handlers wait on the batch: keep writing.
    await this.#flushAll();
    await leaving;
    await this.#flushAll();
    await this.#checkpoint(true);
    this.#state = 'stopped';
  }

  /**
   * Stops like a crash (tests): the buffer is dropped without writing, its handlers fail so the
   * bus commits none of them, and the consumers leave.
   */
  async abort(): Promise<void> {
    this.#state = 'stopped';
    this.#starting.abort();
    clearTimeout(this.#timer);
    const dropped = this.#buffer;
    this.#buffer = [];
    for (const pending of dropped) pending.reject(new Error('The audit ingestor stopped.'));
    await Promise.allSettled(this.#subscriptions.map((subscription) => subscription.stop()));
  }

  #enqueue(event: CloudEvent): Promise<void> {
    if (this.#state === 'stopped') return Promise.reject(new Error('The audit ingestor stopped.'));
    return new Promise<void>((resolve, reject) => {
      if (this.#buffer.length === 0) this.#firstBufferedAt = this.#now();
      this.#buffer.push({ event, context: otelContext.active(), resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#buffer.length === 0 || this.#writing !== undefined) return;
    // consumers × batchSize: every event the consumers can have in flight is waiting on a write.
    if (this.#buffer.length >= this.#options.batchSize || this.#buffer.length >= this.#consumers * this.#options.batchSize) {
      this.#startWrite();
      return;
    }
    const waited = this.#now() - this.#firstBufferedAt;
    const delay = Math.max(0, Math.min(this.#lingerMs, this.#options.maxWaitMs - waited));
    this.#timer = setTimeout(() => this.#startWrite(), delay);
  }

  #startWrite(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#writing !== undefined || this.#buffer.length === 0) return;
    const batch = this.#buffer.splice(0, this.#options.batchSize);
    if (this.#buffer.length > 0) this.#firstBufferedAt = this.#now();
    this.#writing = this.#write(batch).finally(() => {
      this.#writing = undefined;
      this.#schedule();
    });
  }

  async #flushAll(): Promise<void> {
    for (;;) {
      if (this.#writing !== undefined) {
        await this.#writing;
        continue;
      }
      if (this.#buffer.length === 0) return;
      this.#startWrite();
    }
  }

  async #write(batch: readonly Pending[]): Promise<void> {
    const tracer = this.#options.tracer;
    if (tracer === undefined) {
      await this.#writeBatch(batch);
      return;
    }
    const links: Link[] = [];
    for (const pending of batch) {
      const spanContext = trace.getSpanContext(pending.context);
      if (spanContext !== undefined) links.push({ context: spanContext, attributes: { 'messaging.message.id': pending.event.id } });
    }
    const span = tracer.startSpan(
      'audit insert',
      { kind: SpanKind.INTERNAL, links, attributes: { 'coffer.audit.batch_size': batch.length, 'db.operation.name': 'insert' } },
      batch[0]?.context ?? otelContext.active(),
    );
    try {
      const rows = await otelContext.with(trace.setSpan(batch[0]?.context ?? otelContext.active(), span), () => this.#writeBatch(batch));
      if (rows === undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: 'batch write failed' });
      else span.setAttribute('coffer.audit.rows', rows);
    } finally {
      span.end();
    }
  }

  /**
   * Writes one batch; resolves with the rows written, or undefined when the write failed (the
   * handlers then reject). A failed write is tried again, in place, while the ingestor runs:
   * the bus hands over many events of a partition at once, so rejecting them would let events
   * buffered behind them (later events of the same keys) be chained first; retrying in place
   * keeps seq in delivery order. Once stopping, a failed write rejects its handlers instead
   * (the bus commits none of them and delivers them again).
   */
  async #writeBatch(batch: readonly Pending[]): Promise<number | undefined> {
    for (let attempt = 1; ; attempt += 1) {
      const written = await this.#tryWriteBatch(batch);
      if (written !== undefined) {
        for (const pending of batch) pending.resolve();
        await this.#checkpoint(false);
        return written;
      }
      if (this.#state !== 'running') break;
      const delayMs = Math.min(5_000, this.#retryBaseMs * 2 ** (attempt - 1));
      this.#options.logger.warn({ events: batch.length, attempt, retry_in_ms: delayMs }, 'audit batch write failed; retrying it before any later batch');
      try {
        await sleep(delayMs, undefined, { signal: this.#starting.signal });
      } catch {
        break;
      }
      if (this.#state !== 'running') break;
    }
    this.#options.logger.warn({ events: batch.length }, 'audit batch write failed while stopping; the events will be delivered again');
    const error = new Error('The audit batch could not be written.');
    for (const pending of batch) pending.reject(error);
    return undefined;
  }

  /** One attempt at writing a batch: the rows written, or undefined when the write failed. */
  async #tryWriteBatch(batch: readonly Pending[]): Promise<number | undefined> {
    const started = performance.now();
    try {
      const rows = await this.#chain(batch.map((pending) => pending.event));
      await this.#options.store.append(rows);
      if (rows.length > 0) {
        const last = rows[rows.length - 1];
        if (last !== undefined) this.#head = { seq: last.seq, hash: last.hash };
      }
      this.#options.metrics?.batchWritten((performance.now() - started) / 1000, rows.length);
      const outcomes = new Map<AuditOutcome, number>();
      for (const row of rows) outcomes.set(row.outcome, (outcomes.get(row.outcome) ?? 0) + 1);
      for (const [outcome, count] of outcomes) this.#options.metrics?.ingested(outcome, count);
      if (this.#head !== undefined) this.#options.metrics?.chainLength(this.#head.seq);
      return rows.length;
    } catch (error) {
      // The write may have reached the store or not: reload the head before the next attempt so
      // no seq is given twice; the id check absorbs the rows that did land.
      this.#head = undefined;
      this.#options.logger.warn({ err: error, events: batch.length }, 'audit batch write failed');
      return undefined;
    }
  }

  async #chain(events: readonly CloudEvent[]): Promise<AuditRow[]> {
    const head = this.#head ?? (await this.#options.store.chainHead());
    this.#head = head;
    const ids = [...new Set(events.map((event) => event.id))];
    const existing = await this.#options.store.existingIds(ids);
    const seen = new Set(existing);
    const rows: AuditRow[] = [];
    let prev = head;
    const ingestedAt = this.#now();
    for (const event of events) {
      if (seen.has(event.id)) continue;
      seen.add(event.id);
      const row = chainRow(auditRecordOf(event), prev, ingestedAt);
      rows.push(row);
      prev = row;
    }
    return rows;
  }

  async #checkpoint(force: boolean): Promise<void> {
    const head = this.#head;
    if (head === undefined || head.seq === 0 || head.seq === this.#lastCheckpointSeq) return;
    if (!force && head.seq - this.#lastCheckpointSeq < this.#options.checkpointEvery) return;
    try {
      await this.#options.checkpoints.add(signCheckpoint(this.#options.keys, head.seq, head.hash, this.#now()));
      this.#lastCheckpointSeq = head.seq;
    } catch (error) {
      // The rows are stored; the next batch tries again.
      this.#options.logger.warn({ err: error, seq: head.seq }, 'writing an audit checkpoint failed');
    }
  }
}
