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
