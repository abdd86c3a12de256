/**
 * Sustained load (issue 11): the mixed workload at the highest rate whose error rate stays under
 * 0.1 %, for `durationS`, sampling each service's RSS and open descriptors at the start and the
 * end to show nothing leaks.
 */
import { writeFileSync } from 'node:fs';
import { ALL_SERVICES, type ServiceName } from '@coffer/platform';
import { setUpEnvironment } from '../faults/environment.js';
import { emptyWorkloadRecord, startMixedWorkload, unexpectedAnswers, type WorkloadRecord } from '../workload/index.js';
import { MAX_ERROR_RATE, errorRate, pickConcurrency, sampleProcess, type ProcessSample, type RateStep } from './process-sample.js';

export { errorRate, parseRssKiB, pickConcurrency, sampleProcess, MAX_ERROR_RATE, type ProcessSample, type RateStep } from './process-sample.js';

export interface SustainedLoadOptions {
  readonly rootDir: string;
  readonly durationS: number;
  readonly portOffset?: number;
  /** Concurrencies tried, each for `probeS`, to find the highest rate within the error budget. */
  readonly concurrencies?: readonly number[];
  readonly probeS?: number;
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
  readonly processes: Record<ServiceName, { start: ProcessSample; end: ProcessSample }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isError = (status: number) => status === 0 || status >= 400;

function summarise(record: WorkloadRecord, concurrency: number, seconds: number): RateStep {
  const requests = record.requests.length;
  return { concurrency, requests, errors: record.requests.filter((r) => isError(r.status)).length, requestsPerSecond: Number((requests / seconds).toFixed(1)) };
}

export async function runSustainedLoad(options: SustainedLoadOptions): Promise<SustainedLoadResult> {
  const environment = await setUpEnvironment({ rootDir: options.rootDir, portOffset: options.portOffset ?? 5_500 });
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
    const start = sample();
    const record = emptyWorkloadRecord();
    const started = Date.now();
    const workload = startMixedWorkload(environment.identity, { concurrency }, record);
    await sleep(options.durationS * 1000);
    await workload.stop();
    const seconds = (Date.now() - started) / 1000;
    await sleep(10_000); // idle connections and timers settle before the end sample
    const end = sample();
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
      processes: Object.fromEntries(ALL_SERVICES.map((s) => [s, { start: start[s], end: end[s] }])) as SustainedLoadResult['processes'],
    };
    if (options.reportFile !== undefined) writeFileSync(options.reportFile, renderLoadReport(result, new Date(started)));
    return result;
  } finally {
    await environment.tearDown();
  }
}

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
    '## Processes (start → end of the sustained run)',
    '',
    '| service | RSS MiB | open fds |',
    '|---|---|---|',
    ...Object.entries(result.processes).map(([s, p]) => `| ${s} | ${(p.start.rssKiB / 1024).toFixed(0)} → ${(p.end.rssKiB / 1024).toFixed(0)} | ${p.start.openFds} → ${p.end.openFds} |`),
    '',
  ].join('\n');
}
