import type { BenchResult } from '../bench-result.js';
import { median, spread, type Spread } from '../stats/statistics.js';

/** One result reduced to what the report prints: medians, their ratio, and whether the target is met. */
export interface Evaluation {
  readonly result: BenchResult;
  readonly cofferMedian: number;
  readonly cofferSpread: Spread;
  readonly baselineMedian: number | undefined;
  readonly baselineSpread: Spread | undefined;
  /** Coffer's median ÷ the baseline's median (the convention, whichever way is better). */
  readonly ratio: number | undefined;
  /** undefined: no target, or nothing measured to hold it to. */
  readonly met: boolean | undefined;
}

export function evaluateResult(result: BenchResult): Evaluation {
  const cofferMedian = median(result.coffer.samples);
  const baselineMedian = result.baseline ? median(result.baseline.series.samples) : undefined;
  const ratio = baselineMedian === undefined || !Number.isFinite(baselineMedian) || baselineMedian === 0 ? undefined : cofferMedian / baselineMedian;
  return {
    result,
    cofferMedian,
    cofferSpread: spread(result.coffer.samples),
    baselineMedian,
    baselineSpread: result.baseline ? spread(result.baseline.series.samples) : undefined,
    ratio,
    met: targetMet(result, cofferMedian, ratio),
  };
}

function targetMet(result: BenchResult, cofferMedian: number, ratio: number | undefined): boolean | undefined {
  const target = result.target;
  if (target === undefined || !Number.isFinite(cofferMedian)) return undefined;
  switch (target.kind) {
    case 'ratio-at-least':
      return ratio === undefined || !Number.isFinite(ratio) ? undefined : ratio >= target.value;
    case 'at-least':
      if (target.unit !== result.coffer.unit) throw new Error(`${result.id}: target in ${target.unit}, figure in ${result.coffer.unit}`);
      return cofferMedian >= target.value;
    case 'at-most':
      if (target.unit !== result.coffer.unit) throw new Error(`${result.id}: target in ${target.unit}, figure in ${result.coffer.unit}`);
      return cofferMedian <= target.value;
  }
}
