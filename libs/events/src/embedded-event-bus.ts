import { AppError, type Logger } from '@coffer/platform';
import type { Tracer } from '@opentelemetry/api';
import type { CloudEvent } from './cloud-event.js';
import { consumeRecord, DEFAULT_MAX_ATTEMPTS, DEFAULT_RETRY_BACKOFF_MS, validateSubscribeNumbers } from './consume-event.js';
import type { EventBus, PublishOptions, SubscribeOptions, Subscription } from './event-bus.js';
import { deadLetterHeaders, partitionForKey, toEventRecords, type EventRecord } from './event-record.js';
import type { EventSchemaRegistry } from './event-schema-registry.js';
import { NON_RECORDING_TRACER } from './event-tracing.js';
import { deadLetterTopic, DEFAULT_TOPIC_NAMESPACE } from './topic-naming.js';

/** Options of {@link EmbeddedEventBus}. */
export interface EmbeddedEventBusOptions {
  readonly registry: EventSchemaRegistry;
  /** Partitions of every topic. Default 3. */
  readonly partitions?: number;
  /** Topic namespace (`<namespace>.<domain>.v1`). Default `coffer`. */
  readonly namespace?: string;
  readonly logger?: Logger;
  /** The service's tracer: every delivery runs in a `process <topic>` consumer span continuing the record's `traceparent` header. */
  readonly tracer?: Tracer;
}

/** A record in a topic of the embedded bus. */
export interface StoredEventRecord extends EventRecord {
  readonly partition: number;
  readonly offset: number;
}

interface Member {
  readonly topics: readonly string[];
  /** `topic\u0000partition` keys this member owns. */
  assigned: string[];
}

interface GroupState {
  readonly committed: Map<string, number>;
  readonly members: Member[];
  /** Partitions whose record is being handled right now, so a rebalance never hands it to two members. */
  readonly busy: Set<string>;
}

/**
 * The in-process bus for `make dev` and unit tests: per-topic partitioned logs in memory and
 * committed offsets per group, with the same semantics as the Kafka bus (see {@link EventBus}).
 * Nothing survives the process; "durably accepted" means appended to the in-memory log.
 */
export class EmbeddedEventBus implements EventBus {
  readonly #registry: EventSchemaRegistry;
  readonly #partitions: number;
  readonly #namespace: string;
  readonly #logger: Logger | undefined;
  readonly #tracer: Tracer;
  readonly #topics = new Map<string, StoredEventRecord[][]>();
  readonly #groups = new Map<string, GroupState>();
  readonly #subscriptions = new Set<Subscription>();
  #wake: Array<() => void> = [];
  #closed = false;

  get topicNamespace(): string {
    return this.#namespace;
  }

  constructor(options: EmbeddedEventBusOptions) {
    const partitions = options.partitions ?? 3;
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > 1_000) {
      throw new AppError('invalid_argument', { detail: 'partitions must be a whole number from 1 to 1000.' });
    }
    this.#registry = options.registry;
    this.#partitions = partitions;
    this.#namespace = options.namespace ?? DEFAULT_TOPIC_NAMESPACE;
    this.#logger = options.logger;
    this.#tracer = options.tracer ?? NON_RECORDING_TRACER;
  }

  publish(events: readonly CloudEvent[], options: PublishOptions = {}): Promise<void> {
    try {
      this.#assertOpen();
      for (const record of toEventRecords(events, this.#registry, this.#namespace, options.traceHeaders)) this.#append(record);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  subscribe(options: SubscribeOptions): Promise<Subscription> {
    try {
      return Promise.resolve(this.#subscribe(options));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.stop()));
  }

  /** Every record of `topic` (for example a dead-letter topic), by partition and offset. */
  readTopic(topic: string): StoredEventRecord[] {
    return (this.#topics.get(topic) ?? []).flat();
  }

  /**
   * Appends a record without any validation, as a broken producer would; for tests of the
   * dead-letter path. Kafka has no such door in this library, only a raw client.
   */
  appendRaw(record: EventRecord): void {
    this.#assertOpen();
    this.#append(record);
  }

  #assertOpen(): void {
    if (this.#closed) throw new AppError('unavailable', { detail: 'The event bus is closed.', retryAfterSeconds: 1 });
  }

  #log(topic: string): StoredEventRecord[][] {
    let log = this.#topics.get(topic);
    if (log === undefined) {
      log = Array.from({ length: this.#partitions }, () => []);
      this.#topics.set(topic, log);
    }
    return log;
  }

  #append(record: EventRecord): void {
    const partition = partitionForKey(record.key, this.#partitions);
    const log = this.#log(record.topic)[partition];
    if (log === undefined) throw new AppError('internal', { detail: 'Partition out of range.' });
    log.push({ ...record, partition, offset: log.length });
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = [];
    for (const resolve of wake) resolve();
  }

  #changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, 250);
      signal.addEventListener('abort', done, { once: true });
      this.#wake.push(done);
    });
  }

  #subscribe(options: SubscribeOptions): Subscription {
    this.#assertOpen();
    const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    const retryBackoffMs = options.retryBackoffMs ?? DEFAULT_RETRY_BACKOFF_MS;
    validateSubscribeNumbers(maxAttempts, retryBackoffMs, options.maxInFlight);
    if (options.group === '' || options.topics.length === 0) {
      throw new AppError('invalid_argument', { detail: 'subscribe needs a group and at least one topic.' });
    }
    for (const topic of options.topics) {
      this.#log(topic);
      this.#log(deadLetterTopic(topic));
    }

    let group = this.#groups.get(options.group);
    if (group === undefined) {
      group = { committed: new Map(), members: [], busy: new Set() };
      this.#groups.set(options.group, group);
    }
    const state = group;
    const member: Member = { topics: [...options.topics], assigned: [] };
    state.members.push(member);
    this.#rebalance(state);

    const controller = new AbortController();
    const loop = this.#run(options, state, member, maxAttempts, retryBackoffMs, controller.signal);
    let stopped: Promise<void> | undefined;
    const subscription: Subscription = {
      stop: () => {
        stopped ??= (async () => {
          controller.abort();
          await loop;
          state.members.splice(state.members.indexOf(member), 1);
          this.#rebalance(state);
          this.#subscriptions.delete(subscription);
          this.#notify();
        })();
        return stopped;
      },
    };
    this.#subscriptions.add(subscription);
    return subscription;
  }

  /** Round-robin of each topic's partitions over the members subscribed to it. */
  #rebalance(group: GroupState): void {
    for (const member of group.members) member.assigned = [];
    const topics = new Set(group.members.flatMap((member) => member.topics));
    for (const topic of topics) {
      const members = group.members.filter((member) => member.topics.includes(topic));
      for (let partition = 0; partition < this.#partitions; partition++) {
        members[partition % members.length]?.assigned.push(`${topic}\u0000${partition}`);
      }
    }
    this.#notify();
  }

  async #run(
    options: SubscribeOptions,
    group: GroupState,
    member: Member,
    maxAttempts: number,
    retryBackoffMs: number,
    signal: AbortSignal,
  ): Promise<void> {
    const maxInFlight = options.maxInFlight ?? 1;
    // Let subscribe() return before the first handler runs, as with Kafka.
    await Promise.resolve();
    while (!signal.aborted) {
      let progressed = false;
      for (const slot of [...member.assigned]) {
        if (signal.aborted) break;
        if (group.busy.has(slot) || !member.assigned.includes(slot)) continue;
        const [topic = '', partitionText = '0'] = slot.split('\u0000');
        const partition = Number(partitionText);
        const position = group.committed.get(slot) ?? 0;
        // maxInFlight records at once (default 1), started in offset order; the finished prefix is committed.
        const records = this.#topics.get(topic)?.[partition]?.slice(position, position + maxInFlight) ?? [];
        if (records.length === 0) continue;
        group.busy.add(slot);
        let results: ('finished' | 'stopped')[];
        try {
          results = await Promise.all(records.map((record) => this.#deliver(options, record, maxAttempts, retryBackoffMs, signal)));
        } finally {
          group.busy.delete(slot);
        }
        const stoppedAt = results.indexOf('stopped');
        group.committed.set(slot, position + (stoppedAt === -1 ? results.length : stoppedAt));
        if (stoppedAt !== -1) break;
        progressed = true;
      }
      if (!progressed) await this.#changed(signal);
    }
  }

  /** One record through {@link consumeRecord}, dead-lettered when it failed: 'finished' once it may be committed. */
  async #deliver(options: SubscribeOptions, record: StoredEventRecord, maxAttempts: number, retryBackoffMs: number, signal: AbortSignal): Promise<'finished' | 'stopped'> {
    const { topic, partition, offset: position } = record;
    const outcome = await consumeRecord({
      value: record.value,
      registry: this.#registry,
      handler: options.handler,
      location: { topic, partition, offset: String(position) },
      maxAttempts,
      retryBackoffMs,
      signal,
      logger: this.#logger,
      tracing: { tracer: this.#tracer, system: 'coffer_embedded', group: options.group, headers: record.headers },
    });
    if (outcome.kind === 'stopped') return 'stopped';
    if (outcome.kind === 'dead_letter') {
      this.#logger?.warn({ topic, partition, offset: position, reason: outcome.reason }, 'event sent to the dead-letter topic');
      this.#append({
        topic: deadLetterTopic(topic),
        key: record.key,
        value: record.value,
        headers: deadLetterHeaders({
          original: record.headers,
          reason: outcome.reason,
          error: outcome.error,
          topic,
          partition,
          offset: String(position),
          attempts: outcome.attempts,
          group: options.group,
        }),
      });
    }
    return 'finished';
  }
}
