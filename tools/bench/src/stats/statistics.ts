/**
 * The few statistics the report needs, over repetitions (a handful of samples) and over
 * latency samples (thousands). Percentiles interpolate linearly between closest ranks
 * (type 7 in Hyndman & Fan, what numpy and most spreadsheets use).
 */

/** The value below which `p` percent of `values` fall (0 ≤ p ≤ 100). Empty input: NaN. */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const low = sorted[lower] ?? Number.NaN;
  const high = sorted[upper] ?? Number.NaN;
  return low + (high - low) * (rank - lower);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** How far repetitions disagree: the full range, and the interquartile range. */
export interface Spread {
  readonly min: number;
  readonly max: number;
  readonly q1: number;
  readonly q3: number;
  /** (max − min) ÷ median: 0.05 means the repetitions lie within 5 % of the median. */
  readonly relativeRange: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { min: Number.NaN, max: Number.NaN, q1: Number.NaN, q3: Number.NaN, relativeRange: Number.NaN };
  const min = Math.min(...values);
  const max = Math.max(...values);
  const middle = median(values);
  return { min, max, q1: percentile(values, 25), q3: percentile(values, 75), relativeRange: middle === 0 ? Number.NaN : (max - min) / Math.abs(middle) };
}
