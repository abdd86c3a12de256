import { readdirSync, readFileSync } from 'node:fs';

/** Resident memory and open file descriptors of one process at one moment. */
export interface ProcessSample {
  readonly pid: number;
  readonly rssKiB: number;
  readonly openFds: number;
}

/** VmRSS of a /proc/<pid>/status text, in KiB. */
export function parseRssKiB(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (match === null) throw new Error('no VmRSS line in /proc status');
  return Number(match[1]);
}

/** Reads /proc/<pid>/status and counts /proc/<pid>/fd (Linux only). */
export function sampleProcess(pid: number): ProcessSample {
  return { pid, rssKiB: parseRssKiB(readFileSync(`/proc/${pid}/status`, 'utf8')), openFds: readdirSync(`/proc/${pid}/fd`).length };
}

/** A step of the rate search: the concurrency tried, what it achieved and how many answers were errors. */
export interface RateStep {
  readonly concurrency: number;
  readonly requestsPerSecond: number;
  readonly requests: number;
  readonly errors: number;
}

/** Error budget of the sustained load: < 0.1 %. */
export const MAX_ERROR_RATE = 0.001;

export function errorRate(step: Pick<RateStep, 'requests' | 'errors'>): number {
  return step.requests === 0 ? 0 : step.errors / step.requests;
}

/**
 * The concurrency of the highest rate within the error budget: among the steps under
 * MAX_ERROR_RATE, the one with the most requests per second; undefined when none is.
 */
export function pickConcurrency(steps: readonly RateStep[]): number | undefined {
  const good = steps.filter((step) => step.requests > 0 && errorRate(step) < MAX_ERROR_RATE);
  if (good.length === 0) return undefined;
  return good.reduce((best, step) => (step.requestsPerSecond > best.requestsPerSecond ? step : best)).concurrency;
}

/** Growth allowed over the second half of the sustained run before it counts as a leak. */
export const FLAT_RSS_SLACK_KIB = 8 * 1024;
export const FLAT_RSS_SLACK_RATIO = 0.1;
export const FLAT_FD_SLACK = 8;

/** Whether a process's memory and descriptors stayed flat over a run (samples in time order). */
export interface LeakVerdict {
  readonly start: ProcessSample;
  readonly middle: ProcessSample;
  readonly end: ProcessSample;
  readonly rssGrowthKiB: number;
  readonly fdGrowth: number;
  readonly flat: boolean;
}

/**
 * Judges the second half of a run: from the middle sample to the last. The first half holds the
 * warm-up (JIT, pools, caches filling up to their bounds); a leak keeps growing after it. Flat
 * means RSS grew by at most max(8 MiB, 10 % of the middle) and descriptors by at most 8.
 */
export function leakVerdict(samples: readonly ProcessSample[]): LeakVerdict {
  const start = samples[0];
  const end = samples.at(-1);
  const middle = samples[Math.floor((samples.length - 1) / 2)];
  if (start === undefined || end === undefined || middle === undefined || samples.length < 3) throw new Error('leakVerdict needs at least 3 samples');
  const rssGrowthKiB = end.rssKiB - middle.rssKiB;
  const fdGrowth = end.openFds - middle.openFds;
  const flat = rssGrowthKiB <= Math.max(FLAT_RSS_SLACK_KIB, middle.rssKiB * FLAT_RSS_SLACK_RATIO) && fdGrowth <= FLAT_FD_SLACK;
  return { start, middle, end, rssGrowthKiB, fdGrowth, flat };
}
