import { Writable } from 'node:stream';
import { createDatabase, migrate, type Database } from '@coffer/db';
import { parseEvent, platformEventSchemaRegistry, type CloudEvent } from '@coffer/events';
import { HmacKeyRing, LinkTokenSigner } from '@coffer/integrity';
import { createLogger, createMetricsRegistry, type Logger } from '@coffer/platform';
import type { Registry } from 'prom-client';
import { DecisionCache } from './decision-cache.js';
import { PolicyMetrics } from './policy-metrics.js';
import { POLICY_SCHEMA, policyMigrations } from './policy-migrations.js';
import { KnexPolicyRepository } from './policy-repository.js';
import { PolicyOperations } from './policy-service.js';

/** A clock tests move by hand. */
export class TestClock {
  private millis: number;

  constructor(start = '2026-03-01T12:00:00.000Z') {
    this.millis = new Date(start).getTime();
  }

  readonly now = (): Date => new Date(this.millis);

  advance(ms: number): void {
    this.millis += ms;
  }
}

export { PGLITE_START_TIMEOUT_MS } from '@coffer/testing';

/** An embedded in-memory database with the policy schema migrated. Close it when done. */
export async function openMigratedPglite(): Promise<Database> {
  const db = await createDatabase('pglite://memory');
  try {
    await migrate(db, { schema: POLICY_SCHEMA, migrations: policyMigrations });
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** Empties every table of the policy schema. */
export async function clearPolicyTables(db: Database): Promise<void> {
  await db.knex.raw('truncate policy.grants, policy.statements, policy.links, policy.outbox');
}

/** The events in the outbox, oldest first, each validated against its platform schema. */
export async function outboxEvents(db: Database): Promise<CloudEvent[]> {
  const result = await db.knex.raw<{ rows: { payload: unknown }[] }>('select payload from policy.outbox order by id');
  const registry = platformEventSchemaRegistry();
  return result.rows.map((row) => {
    const event = parseEvent(typeof row.payload === 'string' ? row.payload : JSON.stringify(row.payload));
    registry.validate(event);
    return event;
  });
}

/** A logger that writes nowhere. */
export function silentLogger(): Logger {
  return createLogger({ service: 'policy-test', level: 'silent', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) });
}

/** A fixed key ring (test secret only). */
export function testKeyRing(activeKeyId = 'k1'): HmacKeyRing {
  return new HmacKeyRing({
    activeKeyId,
    keys: [
      { id: 'k1', secret: Buffer.alloc(32, 1) },
      { id: 'k2', secret: Buffer.alloc(32, 2) },
    ],
  });
}

/** One service instance (its own cache) on `db`, with the clock and a fresh metrics registry. */
export function createTestInstance(
  db: Database,
  clock: TestClock,
  options: { ttlMs?: number; maxEntries?: number; maxLiveGrantsPerResource?: number; ring?: HmacKeyRing } = {},
): { operations: PolicyOperations; registry: Registry; cache: DecisionCache } {
  const registry = createMetricsRegistry('policy-test');
  const cache = new DecisionCache({ maxEntries: options.maxEntries ?? 1_000, ttlMs: options.ttlMs ?? 1_000, now: () => clock.now().getTime() });
  const operations = new PolicyOperations({
    repository: new KnexPolicyRepository(db, { now: clock.now }),
    signer: new LinkTokenSigner(options.ring ?? testKeyRing()),
    cache,
    metrics: new PolicyMetrics(registry),
    logger: silentLogger(),
    now: clock.now,
    statementsTtlMs: options.ttlMs ?? 1_000,
    ...(options.maxLiveGrantsPerResource === undefined ? {} : { maxLiveGrantsPerResource: options.maxLiveGrantsPerResource }),
  });
  return { operations, registry, cache };
}
