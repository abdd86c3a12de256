/** What one request of the workload did. */
export interface RequestRecord {
  /** When the answer came (ms since the epoch). */
  readonly at: number;
  readonly kind: RequestKind;
  /** 0: no answer (refused, reset, timed out). */
  readonly status: number;
  /** A 5xx answer came with Retry-After. */
  readonly retryAfter: boolean;
  /** The body looks like a stack trace or an internal error message leaked to the client. */
  readonly leak: boolean;
  /** The error answer is application/problem+json. */
  readonly problem: boolean;
  /** For an error answer: the problem's title and detail (cut short), for the report. */
  readonly detail?: string;
}

export type RequestKind = 'upload' | 'download' | 'share' | 'login';

/** A named stretch of time, [from, to). */
export interface Phase {
  readonly name: string;
  readonly from: number;
  readonly to: number;
}

/** Counts by status (as a string key: "201", "503", "0") of each phase. */
export type PhaseCounts = Record<string, Record<string, number>>;

/** Answers that the fault harness does not accept, whatever the fault. */
export interface Unexpected {
  /** 5xx other than 503 (a dependency being down must be a 503, or the work must be queued). */
  readonly serverErrors: number;
  /** 503 answers without Retry-After. */
  readonly unavailableWithoutRetryAfter: number;
  /** Error answers that are not problem+json (RFC 9457). */
  readonly notProblemJson: number;
  /** Bodies that leak a stack trace. */
  readonly leaks: number;
  /** The first few offending records, for the report. */
  readonly examples: readonly RequestRecord[];
}

const STACK_TRACE = /(\n|\\n)\s*at [^\n]*[(/]|node:internal|\bat [A-Za-z0-9_.<>]+ \((\/|file:|node:)/;

/** Whether an error body leaks internals (a stack trace, a Node internal path). */
export function leaksInternals(body: string): boolean {
  return STACK_TRACE.test(body);
}

/** Counts requests by phase and status; a request belongs to the phase its answer came in. */
export function countByPhase(records: readonly RequestRecord[], phases: readonly Phase[]): PhaseCounts {
  const out: PhaseCounts = Object.fromEntries(phases.map((phase) => [phase.name, {}]));
  for (const record of records) {
    const phase = phases.find((p) => record.at >= p.from && record.at < p.to);
    if (phase === undefined) continue;
    const counts = out[phase.name] ?? {};
    const key = String(record.status);
    counts[key] = (counts[key] ?? 0) + 1;
    out[phase.name] = counts;
  }
  return out;
}

/** Counts by second (relative to `start`) and status: the timeline of a run. */
export function countBySecond(records: readonly RequestRecord[], start: number): Map<number, Record<string, number>> {
  const out = new Map<number, Record<string, number>>();
  for (const record of records) {
    const second = Math.floor((record.at - start) / 1000);
    const counts = out.get(second) ?? {};
    counts[String(record.status)] = (counts[String(record.status)] ?? 0) + 1;
    out.set(second, counts);
  }
  return out;
}

/** The answers no fault excuses: non-503 5xx, 503 without Retry-After, non-problem errors, leaks. */
export function unexpectedAnswers(records: readonly RequestRecord[]): Unexpected {
  const bad: RequestRecord[] = [];
  let serverErrors = 0;
  let unavailableWithoutRetryAfter = 0;
  let notProblemJson = 0;
  let leaks = 0;
  for (const record of records) {
    let offending = false;
    if (record.status >= 500 && record.status !== 503) {
      serverErrors += 1;
      offending = true;
    }
    if (record.status === 503 && !record.retryAfter) {
      unavailableWithoutRetryAfter += 1;
      offending = true;
    }
    if (record.status >= 400 && !record.problem) {
      notProblemJson += 1;
      offending = true;
    }
    if (record.leak) {
      leaks += 1;
      offending = true;
    }
    if (offending && bad.length < 5) bad.push(record);
  }
  return { serverErrors, unavailableWithoutRetryAfter, notProblemJson, leaks, examples: bad };
}
