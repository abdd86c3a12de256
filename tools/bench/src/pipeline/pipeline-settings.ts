/**
 * How long and how often the pipeline benchmarks measure. The full suite keeps each item under
 * about four minutes on a two-core machine; quick mode (COFFER_BENCH_QUICK=1) runs one short
 * repetition of everything, to check that the suite works, not to publish figures.
 */
export interface PipelineSettings {
  readonly quick: boolean;
  /** Repetitions after warm-up; the report shows their median and spread. */
  readonly repetitions: number;
  /** Events: how long one drain of the audit ingestor should take at the probed rate. */
  readonly eventsDrainSeconds: number;
  /** Events and webhooks: how long the paced latency runs last. */
  readonly latencySeconds: number;
  /** Webhooks: how long the saturated delivery runs last. */
  readonly webhookSeconds: number;
  /** gRPC: how long each load run lasts. */
  readonly grpcSeconds: number;
}

/** The settings for this run: full, or quick when `COFFER_BENCH_QUICK` is `1`. */
export function pipelineSettings(env: Readonly<Record<string, string | undefined>> = process.env): PipelineSettings {
  const quick = env['COFFER_BENCH_QUICK'] === '1';
  return Object.freeze(
    quick
      ? { quick, repetitions: 1, eventsDrainSeconds: 5, latencySeconds: 4, webhookSeconds: 5, grpcSeconds: 2 }
      : { quick, repetitions: 3, eventsDrainSeconds: 15, latencySeconds: 10, webhookSeconds: 12, grpcSeconds: 5 },
  );
}
