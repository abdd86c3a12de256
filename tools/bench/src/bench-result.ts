/**
 * What every benchmark returns, so one report writer (docs/benchmarks.md) can print them all.
 * A figure always stands beside its baseline measured in the same run.
 */

/** Repeated measurements of one quantity (each sample is one repetition after warm-up). */
export interface Series {
  /** e.g. 'MiB/s', 'req/s', 'ms', 'events/s', 'MiB'. */
  readonly unit: string;
  readonly samples: readonly number[];
}

/** One line of the report: Coffer's figure, its baseline, and the target it is held to. */
export interface BenchResult {
  /** Stable id, e.g. 'upload-1gib', 'download-4kib-c32-p99'. */
  readonly id: string;
  /** The numbering (1..9) so the report follows it. */
  readonly section: number;
  readonly title: string;
  readonly coffer: Series;
  /** Absent only where the issue names no baseline (e.g. idle RSS). */
  readonly baseline?: { readonly name: string; readonly series: Series };
  /** true: more is better (throughput); false: less is better (latency, memory). */
  readonly higherIsBetter: boolean;
  /**
   * The target: either a ratio to the baseline (coffer/baseline for throughput,
   * baseline/coffer is NOT used — state ratios as coffer ÷ baseline) or an absolute bound.
   */
  readonly target?: { readonly kind: 'ratio-at-least'; readonly value: number } | { readonly kind: 'at-most' | 'at-least'; readonly value: number; readonly unit: string };
  /** Where the time goes, how it was measured, caveats. */
  readonly notes?: readonly string[];
}
