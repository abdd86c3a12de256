import type { ClickHouseClient } from '@clickhouse/client';
import type { ArrivalSample } from './arrival-stats.js';

/** A ClickHouse table and the id range of one run's marked rows in it. */
export interface MarkedRows {
  readonly client: ClickHouseClient;
  /** `database.table`, validated by the caller. */
  readonly table: string;
  readonly range: { readonly low: string; readonly high: string };
}

const ID_RANGE_TEXT = /^[0-9a-f]{8}[-.]$/;

function whereInRange(rows: MarkedRows): string {
  // Only ever the run markers BenchEventFactory makes: checked, because they go into SQL
  // (ClickHouse 18.16 has no query parameters).
  if (!ID_RANGE_TEXT.test(rows.range.low) || !ID_RANGE_TEXT.test(rows.range.high)) throw new Error('not a bench id range');
  return `id >= '${rows.range.low}' AND id < '${rows.range.high}'`;
}

/** How many marked rows are queryable now. */
export async function countMarkedRows(rows: MarkedRows): Promise<number> {
  const result = await rows.client.query({ query: `SELECT count() AS n FROM ${rows.table} WHERE ${whereInRange(rows)}`, format: 'JSONEachRow' });
  const [row] = await result.json<{ n: string | number }>();
  return Number(row?.n ?? 0);
}

/** The ids of the marked rows queryable now. */
export async function markedIds(rows: MarkedRows): Promise<string[]> {
  const result = await rows.client.query({ query: `SELECT DISTINCT id FROM ${rows.table} WHERE ${whereInRange(rows)}`, format: 'JSONEachRow' });
  return (await result.json<{ id: string }>()).map((row) => row.id);
}

/**
 * Counts the marked rows every `intervalMs` until `total` are there or `deadline` (epoch ms)
 * passed; answers the samples (time, count), first one at the start.
 */
export async function sampleUntilArrived(rows: MarkedRows, total: number, deadline: number, intervalMs = 200): Promise<ArrivalSample[]> {
  const samples: ArrivalSample[] = [];
  for (;;) {
    const count = await countMarkedRows(rows);
    samples.push({ atMs: performance.now(), count });
    if (count >= total || Date.now() > deadline) return samples;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Watches for marked rows becoming queryable: polls every `intervalMs` and records, per id, the
 * first time a poll returned it (performance.now() clock). The resolution is the poll interval
 * plus one query's time; the report says so.
 */
export class QueryableWatcher {
  readonly firstSeenAt = new Map<string, number>();
  readonly #rows: MarkedRows;
  readonly #intervalMs: number;
  #stopped = false;
  #loop: Promise<void> | undefined;

  constructor(rows: MarkedRows, intervalMs = 100) {
    this.#rows = rows;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Waits until `expected` ids were seen or `timeoutMs` passed, then stops polling. */
  async waitFor(expected: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.firstSeenAt.size < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    this.#stopped = true;
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const ids = await markedIds(this.#rows);
      // The rows were queryable by the time the answer came back: stamp them on arrival.
      const now = performance.now();
      for (const id of ids) if (!this.firstSeenAt.has(id)) this.firstSeenAt.set(id, now);
      await new Promise((resolve) => setTimeout(resolve, this.#intervalMs));
    }
  }
}
