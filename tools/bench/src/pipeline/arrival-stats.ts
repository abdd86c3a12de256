import { percentile } from '../stats/statistics.js';

/** One look at how many marked rows (or requests) had arrived by then. */
export interface ArrivalSample {
  /** Milliseconds (any clock, as long as every sample uses the same one). */
  readonly atMs: number;
  readonly count: number;
}

/**
 * The sustained rate of a drain: per second, between the moments `from` and `to` (fractions of
 * `total`) had arrived. The ramp at the start (consumers joining, first batch) and the tail
 * (the last partial batch) are left out, so the figure is the steady state. Each bound is
 * interpolated linearly between the two samples around it. NaN when the drain did not get that
 * far or took no time.
 */
export function steadyRate(samples: readonly ArrivalSample[], total: number, from = 0.1, to = 0.9): number {
  if (!(from >= 0 && from < to && to <= 1) || total <= 0) throw new RangeError('need 0 <= from < to <= 1 and total > 0');
  const start = timeWhenCountReached(samples, total * from);
  const end = timeWhenCountReached(samples, total * to);
  if (start === undefined || end === undefined || end <= start) return Number.NaN;
  return (total * (to - from) * 1_000) / (end - start);
}

/** When the count first reached `target`, interpolated between samples (sorted by time); undefined if never. */
export function timeWhenCountReached(samples: readonly ArrivalSample[], target: number): number | undefined {
  let previous: ArrivalSample | undefined;
  for (const sample of samples) {
    if (sample.count >= target) {
      if (previous === undefined || sample.count === previous.count) return sample.atMs;
      const fraction = (target - previous.count) / (sample.count - previous.count);
      return previous.atMs + fraction * (sample.atMs - previous.atMs);
    }
    previous = sample;
  }
  return undefined;
}

/** Events per second over arrival times inside [fromMs, toMs): count ÷ window length. */
export function rateInWindow(arrivalsMs: readonly number[], fromMs: number, toMs: number): number {
  if (!(toMs > fromMs)) return Number.NaN;
  let count = 0;
  for (const at of arrivalsMs) if (at >= fromMs && at < toMs) count += 1;
  return (count * 1_000) / (toMs - fromMs);
}

/**
 * Latencies (ms) of the marked items that arrived: `seenAt − committedAt` per id present in
 * both maps, and how many committed items never arrived.
 */
export function matchLatencies(committedAt: ReadonlyMap<string, number>, seenAt: ReadonlyMap<string, number>): { latenciesMs: number[]; missing: number } {
  const latenciesMs: number[] = [];
  let missing = 0;
  for (const [id, committed] of committedAt) {
    const seen = seenAt.get(id);
    if (seen === undefined) missing += 1;
    else latenciesMs.push(Math.max(0, seen - committed));
  }
  return { latenciesMs, missing };
}

/** p50, p99 and max of a latency sample. */
export function latencySummary(latenciesMs: readonly number[]): { p50: number; p99: number; max: number; count: number } {
  return { p50: percentile(latenciesMs, 50), p99: percentile(latenciesMs, 99), max: latenciesMs.length === 0 ? Number.NaN : Math.max(...latenciesMs), count: latenciesMs.length };
}

/** One cumulative bucket of a Prometheus histogram: observations ≤ `le`. */
export interface HistogramBucket {
  readonly le: number;
  readonly count: number;
}

/**
 * The cumulative buckets of histogram `name` in a Prometheus text exposition (labels other
 * than `le` are ignored: the series are expected to be unlabelled or summed by the caller).
 */
export function parseHistogramBuckets(exposition: string, name: string): HistogramBucket[] {
  const byLe = new Map<number, number>();
  const pattern = new RegExp(`^${name}_bucket\\{(?:[^}]*,)?le="([^"]+)"[^}]*\\}\\s+([0-9.eE+-]+)`);
  for (const line of exposition.split('\n')) {
    const match = pattern.exec(line);
    if (match?.[1] === undefined || match[2] === undefined) continue;
    const le = match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]);
    byLe.set(le, (byLe.get(le) ?? 0) + Number(match[2]));
  }
  return [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/** What was observed between two scrapes of one histogram: `after − before`, bucket by bucket. */
export function histogramDelta(before: readonly HistogramBucket[], after: readonly HistogramBucket[]): HistogramBucket[] {
  const earlier = new Map(before.map((bucket) => [bucket.le, bucket.count]));
  return after.map((bucket) => ({ le: bucket.le, count: bucket.count - (earlier.get(bucket.le) ?? 0) }));
}

/**
 * The q-quantile (0..1) of a cumulative histogram, interpolated linearly inside its bucket the
 * way Prometheus's histogram_quantile does (the lower edge of the first bucket is 0; a quantile
 * in the +Inf bucket answers the highest finite bound). NaN without observations.
 */
export function histogramQuantile(buckets: readonly HistogramBucket[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be within 0..1, got ${q}`);
  const total = buckets.at(-1)?.count ?? 0;
  if (total <= 0) return Number.NaN;
  const rank = q * total;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (!Number.isFinite(bucket.le)) return lowerLe;
      if (bucket.count === lowerCount) return bucket.le;
      return lowerLe + ((bucket.le - lowerLe) * (rank - lowerCount)) / (bucket.count - lowerCount);
    }
    lowerLe = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerLe;
}

/**
 * The sustained rate of a drain that may not have finished: {@link steadyRate} between 10 % and
 * 90 % of `total`, or, when fewer arrived, between 10 % and 90 % of what did arrive.
 */
export function drainRate(samples: readonly ArrivalSample[], total: number): number {
  const arrived = samples.at(-1)?.count ?? 0;
  if (arrived >= total * 0.9) return steadyRate(samples, total);
  if (arrived <= 0) return Number.NaN;
  return steadyRate(samples, arrived);
}

/** The sum over every series of a counter or gauge (or a histogram's `_sum`/`_count`) in a Prometheus text exposition. */
export function sumOfSeries(exposition: string, name: string): number {
  const pattern = new RegExp(`^${name}(?:\\{[^}]*\\})?\\s+([0-9.eE+-]+)`);
  let sum = 0;
  for (const line of exposition.split('\n')) {
    const match = pattern.exec(line);
    if (match?.[1] !== undefined) sum += Number(match[1]);
  }
  return sum;
}

/** User + system CPU seconds from the text of `/proc/<pid>/stat` (fields 14 and 15, in clock ticks). */
export function cpuSecondsOfProcStat(stat: string, ticksPerSecond = 100): number {
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / ticksPerSecond;
}
