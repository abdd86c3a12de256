import { AppError, errors, type Logger } from '@coffer/platform';
import type { Tracer } from '@opentelemetry/api';
import {
  Kafka,
  logLevel as KafkaLogLevel,
  Partitioners,
  type Admin,
  type EachBatchPayload,
  type EachMessagePayload,
  type KafkaMessage,
  type IHeaders,
  type LogEntry,
  type Producer,
} from 'kafkajs';
import type { Registry } from 'prom-client';
import type { CloudEvent } from './cloud-event.js';
import { registerConsumerLagMetrics, type ConsumerLag, type ConsumerLagSource } from './consumer-lag-metrics.js';
import { consumeRecord, DEFAULT_MAX_ATTEMPTS, DEFAULT_RETRY_BACKOFF_MS, validateSubscribeNumbers } from './consume-event.js';
import type { EventBus, PublishOptions, SubscribeOptions, Subscription } from './event-bus.js';
import { NON_RECORDING_TRACER } from './event-tracing.js';
import { deadLetterHeaders, toEventRecords } from './event-record.js';
import type { EventSchemaRegistry } from './event-schema-registry.js';
import { consumerGroupIdFor, deadLetterTopic, DEFAULT_TOPIC_NAMESPACE } from './topic-naming.js';

/** Options of {@link KafkaEventBus}. */
export interface KafkaEventBusOptions {
  /** `host:port` entries. */
  readonly brokers: readonly string[];
  /** Names this process to the brokers, e.g. the service name. */
  readonly clientId: string;
  readonly registry: EventSchemaRegistry;
  /** Partitions of topics this bus creates (existing topics are left alone). Default 3. */
  readonly partitions?: number;
  /** Replication factor of topics this bus creates. Default 1 (one-node dev and test brokers). */
  readonly replicationFactor?: number;
  /** Topic namespace (`<namespace>.<domain>.v1`). Default `coffer`. */
  readonly namespace?: string;
  /** Receives the bus's and kafkajs's logs (kafkajs at WARN and above). */
  readonly logger?: Logger;
  /** How long {@link EventBus.subscribe} waits for the group join. Default 30 s. */
  readonly joinTimeoutMs?: number;
  /**
   * The service's tracer: every delivery runs in a `process <topic>` consumer span continuing
   * the record's `traceparent` header. Without it context still propagates, unrecorded.
   */
  readonly tracer?: Tracer;
  /**
   * The service's Prometheus registry: `event_consumer_lag_events{group,topic}` is registered
   * on it and reports the lag of every group this bus subscribed to (read on scrape).
   */
  readonly metricsRegistry?: Registry;
}

/** What every delivery of one subscription shares. */
interface Delivery {
  readonly options: SubscribeOptions;
  /** Aborted when the subscription stops. */
  readonly signal: AbortSignal;
  readonly maxAttempts: number;
  readonly retryBackoffMs: number;
}

/**
 * The production bus on Kafka through kafkajs 2.2.4 (docs/adr/0013-event-bus.md): an idempotent
 * producer with one request in flight, topics created with the configured partitions when first
 * used, consumer groups that commit each event only after its handler succeeded, and
 * `<topic>.dlq` for events that fail validation or every attempt.
 */
export class KafkaEventBus implements EventBus, ConsumerLagSource {
  readonly #kafka: Kafka;
  readonly #registry: EventSchemaRegistry;
  readonly #partitions: number;
  readonly #replicationFactor: number;
  readonly #namespace: string;
  readonly #logger: Logger | undefined;
  readonly #joinTimeoutMs: number;
  readonly #producer: Producer;
  readonly #admin: Admin;
  #connected: Promise<void> | undefined;
  readonly #topics = new Map<string, Promise<void>>();
  readonly #subscriptions = new Set<Subscription>();
  readonly #tracer: Tracer;
  /** Every group this bus subscribed with and its topics: what the lag gauge reports. */
  readonly #groups = new Map<string, Set<string>>();
  readonly #unregisterLag: () => void;
  #closed = false;

  get topicNamespace(): string {
    return this.#namespace;
  }

  constructor(options: KafkaEventBusOptions) {
    const partitions = options.partitions ?? 3;
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > 1_000) {
      throw new AppError('invalid_argument', { detail: 'partitions must be a whole number from 1 to 1000.' });
    }
    if (options.brokers.length === 0) throw new AppError('invalid_argument', { detail: 'brokers must not be empty.' });
    this.#registry = options.registry;
    this.#partitions = partitions;
    this.#replicationFactor = options.replicationFactor ?? 1;
    this.#namespace = options.namespace ?? DEFAULT_TOPIC_NAMESPACE;
    this.#logger = options.logger;
    this.#joinTimeoutMs = options.joinTimeoutMs ?? 30_000;
    this.#tracer = options.tracer ?? NON_RECORDING_TRACER;
    const logger = options.logger;
    this.#kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      connectionTimeout: 3_000,
      logLevel: KafkaLogLevel.WARN,
      logCreator: () => (entry: LogEntry) => forwardKafkaLog(logger, entry),
    });
    this.#producer = this.#kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // The v2 default, named so kafkajs does not warn about the v1 → v2 change.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.#admin = this.#kafka.admin();
    this.#unregisterLag = options.metricsRegistry === undefined ? () => undefined : registerConsumerLagMetrics(options.metricsRegistry, this, options.logger);
  }

  async publish(events: readonly CloudEvent[], options: PublishOptions = {}): Promise<void> {
    this.#assertOpen();
    const records = toEventRecords(events, this.#registry, this.#namespace, options.traceHeaders);
    if (records.length === 0) return;
    const byTopic = new Map<string, { key: string; value: string; headers: IHeaders }[]>();
    for (const record of records) {
      const messages = byTopic.get(record.topic) ?? [];
      messages.push({ key: record.key, value: record.value, headers: { ...record.headers } });
      byTopic.set(record.topic, messages);
    }
    await this.#unavailableOnFailure(async () => {
      await this.#ensureTopics([...byTopic.keys()]);
      await this.#connect();
      await this.#producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    });
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.#assertOpen();
    const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    const retryBackoffMs = options.retryBackoffMs ?? DEFAULT_RETRY_BACKOFF_MS;
    validateSubscribeNumbers(maxAttempts, retryBackoffMs, options.maxInFlight);
    if (options.group === '' || options.topics.length === 0) {
      throw new AppError('invalid_argument', { detail: 'subscribe needs a group and at least one topic.' });
    }
    const topics = [...options.topics];
    const groupTopics = this.#groups.get(options.group) ?? new Set<string>();
    for (const topic of topics) groupTopics.add(topic);
    this.#groups.set(options.group, groupTopics);
    const consumer = this.#kafka.consumer({ groupId: consumerGroupIdFor(options.group, this.#namespace), heartbeatInterval: 1_000, maxWaitTimeInMs: 500 });
    const controller = new AbortController();

    const maxInFlight = options.maxInFlight ?? 1;
    const delivery: Delivery = { options, signal: controller.signal, maxAttempts, retryBackoffMs };

    const eachMessage = async (payload: EachMessagePayload): Promise<void> => {
      const { topic, partition, message } = payload;
      if (controller.signal.aborted) {
        // Stopping: handle nothing more and commit nothing; pausing ends the current batch.
        payload.pause();
        return;
      }
      const result = await this.#deliver(delivery, topic, partition, message, () => payload.heartbeat());
      if (result === 'stopped') {
        payload.pause();
        return;
      }
      await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
    };
    const eachBatch = (payload: EachBatchPayload): Promise<void> => this.#deliverBatch(delivery, payload, maxInFlight);

    let removeJoinListener: () => void = () => undefined;
    const joined = new Promise<void>((resolve) => {
      removeJoinListener = consumer.on(consumer.events.GROUP_JOIN, () => resolve());
    });
    try {
      await this.#unavailableOnFailure(async () => {
        await this.#ensureTopics(topics.flatMap((topic) => [topic, deadLetterTopic(topic)]));
        await this.#connect();
        await consumer.connect();
        await consumer.subscribe({ topics, fromBeginning: true });
        await consumer.run(maxInFlight === 1 ? { autoCommit: false, eachMessage } : { autoCommit: false, eachBatchAutoResolve: false, eachBatch });
        await withTimeout(joined, this.#joinTimeoutMs, 'joining the consumer group');
      });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    } finally {
      removeJoinListener();
    }

    let stopped: Promise<void> | undefined;
    const subscription: Subscription = {
      stop: () => {
        stopped ??= (async () => {
          controller.abort();
          await consumer.disconnect();
          this.#subscriptions.delete(subscription);
        })();
        return stopped;
      },
    };
    this.#subscriptions.add(subscription);
    return subscription;
  }

  /**
   * One record through {@link consumeRecord}; a dead-lettered one is sent to `<topic>.dlq`.
   * 'finished' once it may be committed (handled or dead-lettered), 'stopped' when the
   * subscription stopped before it finished.
   */
  async #deliver(delivery: Delivery, topic: string, partition: number, message: KafkaMessage, heartbeat: () => Promise<void>): Promise<'finished' | 'stopped'> {
    const { options } = delivery;
    const outcome = await consumeRecord({
      value: message.value,
      registry: this.#registry,
      handler: options.handler,
      location: { topic, partition, offset: message.offset },
      maxAttempts: delivery.maxAttempts,
      retryBackoffMs: delivery.retryBackoffMs,
      signal: delivery.signal,
      logger: this.#logger,
      beforeRetry: heartbeat,
      tracing: { tracer: this.#tracer, system: 'kafka', group: options.group, headers: headerStrings(message.headers) },
    });
    if (outcome.kind === 'stopped') return 'stopped';
    if (outcome.kind === 'dead_letter') {
      this.#logger?.warn({ topic, partition, offset: message.offset, reason: outcome.reason }, 'event sent to the dead-letter topic');
      await this.#producer.send({
        topic: deadLetterTopic(topic),
        acks: -1,
        messages: [
          {
            key: message.key,
            value: message.value,
            headers: deadLetterHeaders({
              original: headerStrings(message.headers),
              reason: outcome.reason,
              error: outcome.error,
              topic,
              partition,
              offset: message.offset,
              attempts: outcome.attempts,
              group: options.group,
            }),
          },
        ],
      });
    }
    return 'finished';
  }

  /**
   * `maxInFlight` above 1 (docs/adr/0023-batched-event-consumption.md): starts the handlers of
   * one fetched batch (one partition) in offset order, at most `maxInFlight` at once, and
   * commits the offset after the longest prefix that finished — at least once a second while
   * the batch runs, and when it ends. On stop, a 'stopped' outcome, a failed heartbeat or a
   * failed dead-letter send nothing more is started; the running handlers are waited for (with
   * heartbeats), the finished prefix is committed and resolved, and the partition paused (stop)
   * or the error rethrown (kafkajs then rejoins and fetches again from the resolved offset).
   */
  async #deliverBatch(delivery: Delivery, payload: EachBatchPayload, maxInFlight: number): Promise<void> {
    const { topic, partition, messages } = payload.batch;
    const { signal } = delivery;
    const finished = new Array<boolean>(messages.length).fill(false);
    const running = new Set<Promise<void>>();
    let prefix = 0;
    let committed = 0;
    let lastCommitAt = Date.now();
    let stopped = false;
    let failure: { readonly error: unknown } | undefined;
    const halted = (): boolean => stopped || failure !== undefined || signal.aborted || !payload.isRunning();
    const heartbeat = async (): Promise<void> => {
      if (failure !== undefined) return;
      try {
        await payload.heartbeat();
      } catch (error) {
        // A rebalance: start nothing more, finish what runs, then let kafkajs rejoin.
        failure ??= { error };
      }
    };
    const commitPrefix = async (): Promise<void> => {
      while (prefix < messages.length && finished[prefix] === true) prefix += 1;
      const last = messages[prefix - 1];
      if (prefix === committed || last === undefined) return;
      committed = prefix;
      lastCommitAt = Date.now();
      payload.resolveOffset(last.offset);
      // Through the batch's own commit: `consumer.commitOffsets` does nothing once the consumer
      // is stopping, and a stop is exactly when the finished prefix must still be committed.
      await payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: (BigInt(last.offset) + 1n).toString() }] }] });
    };
    /** Called by every handler that ends, while {@link settleOne} waits. */
    let wake: (() => void) | undefined;
    /** Resolves when one running handler finished, heartbeating every second meanwhile. */
    const settleOne = async (): Promise<void> => {
      for (;;) {
        let timer: NodeJS.Timeout | undefined;
        const settled = await new Promise<boolean>((resolve) => {
          wake = () => resolve(true);
          timer = setTimeout(() => resolve(false), 1_000);
        });
        wake = undefined;
        clearTimeout(timer);
        await heartbeat();
        if (settled) return;
      }
    };

    for (const [index, message] of messages.entries()) {
      while (running.size >= maxInFlight && !halted()) {
        await settleOne();
        if (Date.now() - lastCommitAt >= 1_000 && failure === undefined) await commitPrefix();
      }
      if (halted()) break;
      const task: Promise<void> = this.#deliver(delivery, topic, partition, message, heartbeat)
        .then(
          (result) => {
            if (result === 'finished') finished[index] = true;
            else stopped = true;
          },
          (error: unknown) => {
            failure ??= { error };
          },
        )
        .finally(() => {
          running.delete(task);
          wake?.();
        });
      running.add(task);
    }
    while (running.size > 0) await settleOne();
    if (failure !== undefined) {
      // Best effort: the rejoin may already have moved the partition to another member.
      await commitPrefix().catch(() => undefined);
      throw failure.error;
    }
    await commitPrefix();
    if (stopped || signal.aborted) payload.pause();
  }

  /**
   * Per group this bus subscribed with (stopped subscriptions included: their lag is what
   * grows) and per topic, the events not yet committed: the high watermark minus the
   * committed offset (the low watermark where the group committed nothing), over partitions.
   */
  async consumerLag(): Promise<ConsumerLag[]> {
    if (this.#closed || this.#groups.size === 0) return [];
    await this.#connect();
    const topics = [...new Set([...this.#groups.values()].flatMap((set) => [...set]))];
    const watermarks = new Map(await Promise.all(topics.map(async (topic) => [topic, await this.#admin.fetchTopicOffsets(topic)] as const)));
    const lags: ConsumerLag[] = [];
    for (const [group, groupTopics] of this.#groups) {
      const committed = await this.#admin.fetchOffsets({ groupId: consumerGroupIdFor(group, this.#namespace), topics: [...groupTopics] });
      for (const { topic, partitions } of committed) {
        let lag = 0n;
        for (const mark of watermarks.get(topic) ?? []) {
          const offset = partitions.find((entry) => entry.partition === mark.partition)?.offset ?? '-1';
          const from = BigInt(offset) >= 0n ? BigInt(offset) : BigInt(mark.low);
          const behind = BigInt(mark.high) - from;
          if (behind > 0n) lag += behind;
        }
        lags.push({ group, topic, lag: Number(lag) });
      }
    }
    return lags;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unregisterLag();
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.stop()));
    if (this.#connected !== undefined) {
      await Promise.allSettled([this.#producer.disconnect(), this.#admin.disconnect()]);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new AppError('unavailable', { detail: 'The event bus is closed.', retryAfterSeconds: 1 });
  }

  #connect(): Promise<void> {
    this.#connected ??= Promise.all([this.#producer.connect(), this.#admin.connect()]).then(
      () => undefined,
      (error: unknown) => {
        this.#connected = undefined;
        throw error;
      },
    );
    return this.#connected;
  }

  /** Creates missing topics with the configured partitions; safe to run concurrently and repeatedly. */
  async #ensureTopics(topics: readonly string[]): Promise<void> {
    const missing = [...new Set(topics)].filter((topic) => !this.#topics.has(topic));
    if (missing.length > 0) {
      const created = this.#connect().then(async () => {
        // false (not an error) when they exist already, e.g. created by another instance.
        await this.#admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({ topic, numPartitions: this.#partitions, replicationFactor: this.#replicationFactor })),
        });
      });
      for (const topic of missing) {
        this.#topics.set(
          topic,
          created.catch((error: unknown) => {
            this.#topics.delete(topic);
            throw error;
          }),
        );
      }
    }
    await Promise.all(topics.map((topic) => this.#topics.get(topic) ?? Promise.resolve()));
  }

  async #unavailableOnFailure(operation: () => Promise<void>): Promise<void> {
    try {
      await operation();
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw errors.unavailable('The event bus is unavailable.', 5, error);
    }
  }
}

function headerStrings(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) result[name] = first.toString();
  }
  return result;
}

function forwardKafkaLog(logger: Logger | undefined, entry: LogEntry): void {
  if (logger === undefined) return;
  const { message, ...extra } = entry.log;
  const fields = { kafka: { namespace: entry.namespace, ...extra } };
  // kafkajs logs every error response at ERROR, including the ones it handles itself: each
  // rebalance makes the other members' heartbeats fail with REBALANCE_IN_PROGRESS, and a fresh
  // broker answers "coordinator loading/not available" for a moment. A request that really
  // fails reaches the caller as a rejection (AppError unavailable), so these are only logged
  // as information (rebalances) or warnings (other error responses).
  if (entry.level === KafkaLogLevel.ERROR && entry.namespace === 'Connection' && message.startsWith('Response ')) {
    if (String(extra['error']).includes('rebalancing')) logger.info(fields, message);
    else logger.warn(fields, message);
    return;
  }
  switch (entry.level) {
    case KafkaLogLevel.ERROR:
      logger.error(fields, message);
      return;
    case KafkaLogLevel.WARN:
      logger.warn(fields, message);
      return;
    case KafkaLogLevel.INFO:
      logger.info(fields, message);
      return;
    case KafkaLogLevel.DEBUG:
    case KafkaLogLevel.NOTHING:
      logger.debug(fields, message);
      return;
  }
}

async function withTimeout(promise: Promise<void>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms ${what}`)), ms);
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
