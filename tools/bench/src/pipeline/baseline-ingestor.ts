import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Consumer, Kafka } from 'kafkajs';

/**
 * The columns of apps/audit's ClickHouse table (migration 0001_create_audit_events), so the
 * baseline writes rows of the same shape and size.
 */
export const AUDIT_ROW_COLUMNS_DDL = `(
  id String, seq UInt64, type String, source String, actor_id String, subject String, owner_id String,
  action String, outcome String, time DateTime, time_ms UInt64, traceparent String, data_json String,
  prev_hash String, hash String, ingested_at DateTime, ingested_at_ms UInt64
) ENGINE = ReplacingMergeTree PARTITION BY toYYYYMM(time) ORDER BY id`;

interface ParsedEvent {
  id: string;
  type: string;
  source: string;
  subject: string;
  time: string;
  traceparent?: string;
  data: { actorId?: string; ownerId?: string };
}

/**
 * The least a Node process must do to move these events from Kafka into ClickHouse: a kafkajs
 * consumer that takes each fetched batch whole, turns it into rows (parse, a SHA-256 chain hash
 * per row as the audit chain has), writes them with one JSONEachRow INSERT, and commits the
 * batch's offsets after the write. No idempotency check and no checkpoints: the floor the audit
 * ingestor is compared with.
 */
export class BaselineIngestor {
  readonly #consumer: Consumer;
  readonly #client: ClickHouseClient;
  readonly #table: string;
  readonly #topic: string;
  #seq = 0;
  #prevHash = '0'.repeat(64);

  constructor(options: { kafka: Kafka; client: ClickHouseClient; table: string; topic: string; group: string }) {
    this.#consumer = options.kafka.consumer({ groupId: options.group, maxWaitTimeInMs: 100, maxBytesPerPartition: 4 * 1024 * 1024 });
    this.#client = options.client;
    this.#table = options.table;
    this.#topic = options.topic;
  }

  async start(): Promise<void> {
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topics: [this.#topic], fromBeginning: true });
    const joined = new Promise<void>((resolve) => {
      const remove = this.#consumer.on(this.#consumer.events.GROUP_JOIN, () => {
        remove();
        resolve();
      });
    });
    await this.#consumer.run({
      autoCommit: true,
      // Partitions are written one batch at a time, in order; the chain hash is per process.
      eachBatch: async ({ batch }) => {
        if (batch.messages.length === 0) return;
        const ingestedAtMs = Date.now();
        const values = batch.messages.map((message) => this.#row(JSON.parse(String(message.value)) as ParsedEvent, ingestedAtMs));
        await this.#client.insert({ table: this.#table, format: 'JSONEachRow', values });
      },
    });
    await joined;
  }

  async stop(): Promise<void> {
    await this.#consumer.disconnect();
  }

  #row(event: ParsedEvent, ingestedAtMs: number): Record<string, string | number> {
    this.#seq += 1;
    const timeMs = Date.parse(event.time);
    const dataJson = JSON.stringify(event.data);
    const hash = createHash('sha256').update(`${this.#prevHash}${this.#seq}${event.id}${dataJson}`).digest('hex');
    const row = {
      id: event.id,
      seq: this.#seq,
      type: event.type,
      source: event.source,
      actor_id: event.data.actorId ?? '',
      subject: event.subject,
      owner_id: event.data.ownerId ?? '',
      action: event.type,
      outcome: 'success',
      time: Math.floor(timeMs / 1_000),
      time_ms: timeMs,
      traceparent: event.traceparent ?? '',
      data_json: dataJson,
      prev_hash: this.#prevHash,
      hash,
      ingested_at: Math.floor(ingestedAtMs / 1_000),
      ingested_at_ms: ingestedAtMs,
    };
    this.#prevHash = hash;
    return row;
  }
}
