import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CloudEvent, EventBus } from '@coffer/events';
import { findRepoRoot } from '@coffer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileUploaded } from '../src/chain/audit-test.fixture.js';
import { verifyChain } from '../src/chain/verify-chain.js';
import { AcceptanceWorld, logger, waitFor } from './kafka-acceptance.fixture.js';

const run = promisify(execFile);
const engines = join(findRepoRoot(process.cwd()) ?? process.cwd(), 'tools/engines/engines.sh');
const world = new AcceptanceWorld();
const BURST = 10_000;
const KEYS = 50;
const OUTAGE_MS = 30_000;

beforeAll(async () => {
  await world.open();
}, 120_000);

afterAll(async () => {
  // Whatever happened, leave the broker running for the next test.
  await run(engines, ['up', 'kafka'], { timeout: 180_000 }).catch(() => undefined);
  await world.close();
}, 240_000);

/**
 * The producer side of an outbox relay: publishes in order, a chunk at a time, and retries the
 * same chunk with backoff until the bus accepts it (a retry may publish a chunk again; the
 * audit absorbs those duplicates). Nothing is dropped while Kafka is down: it is delayed.
 */
async function publishUntilAccepted(bus: EventBus, events: readonly CloudEvent[], stats: { retries: number; published: number }): Promise<void> {
  const chunk = 100;
  for (let start = 0; start < events.length; start += chunk) {
    const slice = events.slice(start, start + chunk);
    let backoff = 200;
    for (;;) {
      try {
        await bus.publish(slice);
        stats.published += slice.length;
        // Paced like a relay draining a busy outbox, so the outage falls in the middle of the burst.
        await new Promise((resolve) => setTimeout(resolve, 50));
        break;
      } catch (error) {
        stats.retries += 1;
        logger.warn({ err: error }, 'publish failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, 2_000);
      }
    }
  }
}

describe('a 10,000-event burst while Kafka is stopped for 30 s', () => {
  it('ends with every event id in ClickHouse exactly once, in per-key order', async () => {
    const ingestor = world.ingestor();
    await ingestor.start();
    const keys = Array.from({ length: KEYS }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const events = Array.from({ length: BURST }, (_, i) => fileUploaded({ fileId: keys[i % KEYS], name: `e${i}` }));
    const stats = { retries: 0, published: 0 };
    const started = Date.now();
    const publishing = publishUntilAccepted(world.bus('outbox-relay'), events, stats);

    // Let part of the burst through, then stop the broker for 30 s and start it again.
    await waitFor('the first events', () => Promise.resolve(stats.published >= 1_000), 120_000);
    const publishedBeforeOutage = stats.published;
    await run(engines, ['down', 'kafka'], { timeout: 120_000 });
    const stoppedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    const startingAt = Date.now();
    await run(engines, ['up', 'kafka'], { timeout: 180_000 });
    const restartedAt = Date.now();

    await publishing;
    const published = Date.now();
    await waitFor('all 10,000 ids', async () => (await world.counts()).ids >= BURST, 600_000);
    const drained = Date.now();
    await ingestor.stop();

    const counts = await world.counts();
    const seqById = await world.seqById();
    // Exactly once: one physical row per id, and every id there.
    expect(counts).toEqual({ rows: BURST, ids: BURST });
    for (const event of events) expect(seqById.has(event.id)).toBe(true);
    // Per-key order: seq increases with each key's publish order.
    let outOfOrder = 0;
    for (const key of keys) {
      const seqs = events.filter((event) => event.subject === key).map((event) => seqById.get(event.id) ?? 0);
      for (let i = 1; i < seqs.length; i += 1) if ((seqs[i] ?? 0) <= (seqs[i - 1] ?? 0)) outOfOrder += 1;
    }
    expect(outOfOrder).toBe(0);
    const verification = await verifyChain(world.store, world.checkpoints, world.keys);
    expect(verification).toMatchObject({ ok: true, rowsChecked: BURST });

    const numbers = {
      events: BURST,
      keys: KEYS,
      publishedBeforeOutage,
      publishRetries: stats.retries,
      kafkaStoppedMs: startingAt - stoppedAt,
      kafkaRestartMs: restartedAt - startingAt,
      publishDoneAfterRestartMs: published - restartedAt,
      drainedAfterRestartMs: drained - restartedAt,
      totalMs: drained - started,
      rows: counts.rows,
      duplicates: counts.rows - counts.ids,
      checkpoints: verification.checkpointsChecked,
    };
    process.stdout.write(`AUDIT BURST ACCEPTANCE ${JSON.stringify(numbers)}\n`);
  }, 900_000);
});
