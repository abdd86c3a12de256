import { createDatabase, type Database } from '@coffer/db';
import { KafkaEventBus, platformEventSchemaRegistry } from '@coffer/events';
import { createLogger } from '@coffer/platform';
import { loadEngineEndpoints, requireEngine, requireKafka, uniqueName, type EngineEndpoints } from '@coffer/testing';
import { testKeyRing } from '../src/chain/audit-test.fixture.js';
import { KnexCheckpointStore } from '../src/chain/checkpoint-store.js';
import { AuditIngestor, allDomainTopics, type AuditIngestorOptions } from '../src/ingest/audit-ingestor.js';
import type { AuditStore } from '../src/store/audit-store.js';
import { CLICKHOUSE_EVENTS_TABLE, ClickHouseAuditStore } from '../src/store/clickhouse-audit-store.js';
import { clickHouseSql, dropClickHouseDatabase } from './clickhouse-helpers.js';

export const logger = createLogger({ service: 'audit-acceptance', level: process.env['COFFER_TEST_LOG_LEVEL'] ?? 'silent' });

/**
 * One acceptance run against the real Kafka and ClickHouse: its own topic namespace, consumer
 * group and ClickHouse database (so runs never collide), a checkpoint database in PGlite.
 */
export class AcceptanceWorld {
  readonly endpoints: EngineEndpoints = loadEngineEndpoints();
  readonly namespace = uniqueName('auditacc');
  readonly group = uniqueName('audit');
  readonly database = uniqueName('audit_acc');
  readonly keys = testKeyRing();
  readonly store: ClickHouseAuditStore;
  #db: Database | undefined;
  #checkpoints: KnexCheckpointStore | undefined;
  readonly #buses: KafkaEventBus[] = [];

  constructor() {
    this.store = new ClickHouseAuditStore({ url: this.endpoints.clickhouse.url, database: this.database });
  }

  async open(): Promise<void> {
    await requireKafka(this.endpoints);
    await requireEngine('clickhouse', () => this.store.ping(), { endpoints: this.endpoints });
    await this.store.migrate();
    this.#db = await createDatabase('pglite://memory');
    this.#checkpoints = new KnexCheckpointStore(this.#db);
    await this.#checkpoints.migrate();
  }

  get checkpoints(): KnexCheckpointStore {
    if (this.#checkpoints === undefined) throw new Error('not opened');
    return this.#checkpoints;
  }

  /** A new Kafka bus client (a producer, or a fresh process's consumer side). */
  bus(clientId: string): KafkaEventBus {
    const bus = new KafkaEventBus({
      brokers: this.endpoints.kafka.brokers,
      clientId,
      registry: platformEventSchemaRegistry(),
      namespace: this.namespace,
      partitions: 12,
      logger,
    });
    this.#buses.push(bus);
    return bus;
  }

  /** An ingestor on its own bus client, as a fresh audit process would run it. */
  ingestor(overrides: Partial<AuditIngestorOptions> & { store?: AuditStore } = {}): AuditIngestor {
    return new AuditIngestor({
      bus: this.bus(uniqueName('audit-ingestor', '-')),
      store: this.store,
      checkpoints: this.checkpoints,
      keys: this.keys,
      logger,
      batchSize: 500,
      maxWaitMs: 200,
      checkpointEvery: 1_000,
      consumers: 12,
      group: this.group,
      topics: allDomainTopics(this.namespace),
      ...overrides,
    });
  }

  /** Raw row count and distinct ids in ClickHouse (no deduplication: what is physically there). */
  async counts(): Promise<{ rows: number; ids: number }> {
    const text = await clickHouseSql(this.endpoints.clickhouse.url, `SELECT count(), uniqExact(id) FROM ${CLICKHOUSE_EVENTS_TABLE} FORMAT TSV`, this.database);
    const [rows = '0', ids = '0'] = text.trim().split('\t');
    return { rows: Number(rows), ids: Number(ids) };
  }

  /** seq of each id. */
  async seqById(): Promise<Map<string, number>> {
    const text = await clickHouseSql(this.endpoints.clickhouse.url, `SELECT id, seq FROM ${CLICKHOUSE_EVENTS_TABLE} FORMAT TSV`, this.database);
    const result = new Map<string, number>();
    for (const line of text.trim().split('\n')) {
      if (line === '') continue;
      const [id = '', seq = '0'] = line.split('\t');
      result.set(id, Number(seq));
    }
    return result;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#buses.map((bus) => bus.close()));
    await this.store.close();
    await this.#db?.close();
    await dropClickHouseDatabase(this.endpoints.clickhouse.url, this.database);
  }
}

/** Polls until `check` holds. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
