/**
 * Sustained load (issue 11): the mixed workload at the highest rate whose error rate stays under
 * 0.1 %, for `durationS`, sampling each service's RSS and open descriptors at the start and the
 * end to show nothing leaks.
 */
import { writeFileSync } from 'node:fs';
import { ALL_SERVICES, type ServiceName } from '@coffer/platform';
import { setUpEnvironment } from '../faults/environment.js';
import { emptyWorkloadRecord, startMixedWorkload, unexpectedAnswers, type WorkloadRecord } from '../workload/index.js';
import { MAX_ERROR_RATE, errorRate, leakVerdict, pickConcurrency, sampleProcess, type LeakVerdict, type ProcessSample, type RateStep } from './process-sample.js';

export { errorRate, leakVerdict, parseRssKiB, pickConcurrency, sampleProcess, MAX_ERROR_RATE, type LeakVerdict, type ProcessSample, type RateStep } from './process-sample.js';

export interface SustainedLoadOptions {
  readonly rootDir: string;
  readonly durationS: number;
  readonly portOffset?: number;
  /** Concurrencies tried, each for `probeS`, to find the highest rate within the error budget. */
  readonly concurrencies?: readonly number[];
  readonly probeS?: number;
  /** How often RSS and descriptors are sampled during the sustained run. Default 30 s. */
  readonly sampleEveryS?: number;
  /** Where the markdown results go (docs/security/load.md); none: not written. */
  readonly reportFile?: string;
}

export interface SustainedLoadResult {
  readonly steps: readonly RateStep[];
  readonly concurrency: number;
  readonly durationS: number;
  readonly requests: number;
  readonly errors: number;
  readonly requestsPerSecond: number;
  readonly byKind: Record<string, Record<string, number>>;
  readonly ackedUploads: number;
  readonly badDigests: number;
  readonly unexpected5xx: number;
  /** Per service: its samples over the sustained run judged from the middle to the end (plus one after 10 s idle). */
  readonly processes: Record<ServiceName, LeakVerdict>;
  /** Every service flat (no leak) over the second half. */
  readonly flat: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isError = (status: number) => status === 0 || status >= 400;

function summarise(record: WorkloadRecord, concurrency: number, seconds: number): RateStep {
  const requests = record.requests.length;
  return { concurrency, requests, errors: record.requests.filter((r) => isError(r.status)).length, requestsPerSecond: Number((requests / seconds).toFixed(1)) };
}

export async function runSustainedLoad(options: SustainedLoadOptions): Promise<SustainedLoadResult> {
  const environment = await setUpEnvironment({ rootDir: options.rootDir, portOffset: options.portOffset ?? 6_500 });
  try {
    const probeS = options.probeS ?? 30;
    const steps: RateStep[] = [];
    for (const concurrency of options.concurrencies ?? [2, 4, 8, 16]) {
      const workload = startMixedWorkload(environment.identity, { concurrency });
      await sleep(probeS * 1000);
      await workload.stop();
      steps.push(summarise(workload.record, concurrency, probeS));
      // Faster than the step before? Otherwise more concurrency only queues.
      const previous = steps.at(-2);
      const step = steps.at(-1);
      if (step !== undefined && (errorRate(step) >= MAX_ERROR_RATE || (previous !== undefined && step.requestsPerSecond < previous.requestsPerSecond * 1.05))) break;
    }
    const concurrency = pickConcurrency(steps) ?? 1;
    const sample = () => Object.fromEntries(ALL_SERVICES.map((s) => [s, sampleProcess(environment.platform.pid(s))])) as Record<ServiceName, ProcessSample>;
    const series: Record<ServiceName, ProcessSample>[] = [sample()];
    const record = emptyWorkloadRecord();
    const started = Date.now();
    const workload = startMixedWorkload(environment.identity, { concurrency }, record);
    const sampling = setInterval(() => series.push(sample()), (options.sampleEveryS ?? 30) * 1000);
    await sleep(options.durationS * 1000);
    clearInterval(sampling);
    await workload.stop();
    const seconds = (Date.now() - started) / 1000;
    await sleep(10_000); // idle connections and timers settle before the end sample
    series.push(sample());
    const processes = Object.fromEntries(ALL_SERVICES.map((s) => [s, leakVerdict(series.map((entry) => entry[s]))])) as Record<ServiceName, LeakVerdict>;
    const byKind: Record<string, Record<string, number>> = {};
    for (const r of record.requests) {
      const kind = byKind[r.kind] ?? {};
      kind[String(r.status)] = (kind[String(r.status)] ?? 0) + 1;
      byKind[r.kind] = kind;
    }
    const total = summarise(record, concurrency, seconds);
    const result: SustainedLoadResult = {
      steps,
      concurrency,
      durationS: Math.round(seconds),
      requests: total.requests,
      errors: total.errors,
      requestsPerSecond: total.requestsPerSecond,
      byKind,
      ackedUploads: record.uploads.size,
      badDigests: record.badDigests.length,
      unexpected5xx: unexpectedAnswers(record.requests).serverErrors,
      processes,
      flat: Object.values(processes).every((verdict) => verdict.flat),
    };
    if (options.reportFile !== undefined) writeFileSync(options.reportFile, renderLoadReport(result, new Date(started)));
    return result;
  } finally {
    await environment.tearDown();
  }
}

const mib = (kiB: number) => (kiB / 1024).toFixed(0);

export function renderLoadReport(result: SustainedLoadResult, startedAt: Date): string {
  const pct = (n: number, of: number) => (of === 0 ? '0' : ((100 * n) / of).toFixed(3));
  return [
    '# Sustained load results',
    '',
    `Run of ${startedAt.toISOString()} by \`runSustainedLoad\` (tools/hardening/src/load), on the production engines, on a shared 2-core machine.`,
    'The mixed workload (uploads 1–4 KiB and one in 20 of 256 KiB–1 MiB, downloads checked by SHA-256, shares, logins).',
    '',
    '## Rate search',
    '',
    '| concurrency | requests/s | requests | errors | error rate % |',
    '|---|---|---|---|---|',
    ...result.steps.map((s) => `| ${s.concurrency} | ${s.requestsPerSecond} | ${s.requests} | ${s.errors} | ${pct(s.errors, s.requests)} |`),
    '',
    `## Sustained run: concurrency ${result.concurrency}, ${result.durationS} s`,
    '',
    `${result.requests} requests, ${result.requestsPerSecond}/s, ${result.errors} errors (${pct(result.errors, result.requests)} %, budget ${MAX_ERROR_RATE * 100} %), ${result.unexpected5xx} non-503 5xx, ${result.ackedUploads} uploads acknowledged, ${result.badDigests} downloads with a wrong digest.`,
    '',
    '| kind | answers by status |',
    '|---|---|',
    ...Object.entries(result.byKind).map(([kind, counts]) => `| ${kind} | ${Object.entries(counts).map(([s, n]) => `${s}×${n}`).join(' ')} |`),
    '',
    '## Processes: RSS and open descriptors (start → middle → end, then 10 s idle)',
    '',
    'Sampled every 30 s. The verdict judges the second half (middle → end): the first half holds the warm-up (JIT, pools, caches filling to their bounds); a leak keeps growing after it. Flat: RSS grew by at most max(8 MiB, 10 %) and descriptors by at most 8.',
    '',
    '| service | RSS MiB | open fds | second half | verdict |',
    '|---|---|---|---|---|',
    ...Object.entries(result.processes).map(
      ([s, v]) =>
        `| ${s} | ${mib(v.start.rssKiB)} → ${mib(v.middle.rssKiB)} → ${mib(v.end.rssKiB)} | ${v.start.openFds} → ${v.middle.openFds} → ${v.end.openFds} | ${v.rssGrowthKiB >= 0 ? '+' : ''}${mib(v.rssGrowthKiB)} MiB, ${v.fdGrowth >= 0 ? '+' : ''}${v.fdGrowth} fds | ${v.flat ? 'flat' : '**grows**'} |`,
    ),
    '',
    result.flat ? 'Every service stayed flat: no leak of memory or handles under this load.' : '**At least one service kept growing** (see above).',
    '',
  ].join('\n');
}
