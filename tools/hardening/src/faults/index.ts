/**
 * Fault injection under the mixed workload (issue 11): each engine and each service is killed
 * (SIGKILL, then restarted) or frozen (SIGSTOP, then SIGCONT) while uploads, downloads, shares
 * and logins run; afterwards every acknowledged upload must download with its digest, every
 * event must be in the audit trail once and every webhook must have been delivered.
 */
import { writeFileSync } from 'node:fs';
import { setUpEnvironment } from './environment.js';
import { renderFaultTable } from './report.js';
import { runFault, type FaultResult, type FaultTiming } from './run-fault.js';
import { ENGINE_TARGETS, FAULT_SIGNALS, SERVICE_TARGETS, engineTarget, isEngine, serviceTarget, type FaultSignal, type FaultTargetName } from './targets.js';

export { renderFaultTable, formatCounts } from './report.js';
export { reconcile, isClean, type AuditRow, type DownloadCheck, type Reconciliation, type ReconcileInput } from './reconcile.js';
export { runFault, type FaultResult, type FaultTiming } from './run-fault.js';
export { inject, type Injection } from './inject.js';
export { setUpEnvironment, type HarnessEnvironment, type EnvironmentOptions } from './environment.js';
export { ENGINE_TARGETS, SERVICE_TARGETS, FAULT_SIGNALS, engineTarget, serviceTarget, parsePidFile, type FaultSignal, type FaultTarget, type FaultTargetName } from './targets.js';

export interface Fault {
  readonly target: FaultTargetName;
  readonly signal: FaultSignal;
}

/** All 13 targets × both signals. */
export const FULL_MATRIX: readonly Fault[] = [...ENGINE_TARGETS, ...SERVICE_TARGETS].flatMap((target) => FAULT_SIGNALS.map((signal) => ({ target, signal })));

/** The CI subset: an engine killed, an engine frozen, a service killed, a service frozen. */
export const CI_SUBSET: readonly Fault[] = [
  { target: 'postgres', signal: 'SIGKILL' },
  { target: 'kafka', signal: 'SIGSTOP' },
  { target: 'file', signal: 'SIGKILL' },
  { target: 'policy', signal: 'SIGSTOP' },
];

export interface FaultInjectionOptions {
  readonly rootDir: string;
  readonly portOffset?: number;
  readonly faults?: readonly Fault[];
  readonly timing?: Partial<FaultTiming>;
  /** Where the markdown results go (docs/security/fault-injection.md); none: not written. */
  readonly reportFile?: string;
  /** Called after each fault (progress). */
  readonly onResult?: (result: FaultResult) => void;
}

export const DEFAULT_TIMING: FaultTiming = {
  warmupMs: 10_000,
  holdMs: 20_000,
  recoveryMs: 10_000,
  healthyTimeoutMs: 180_000,
  drainTimeoutMs: 180_000,
  concurrency: 4,
};

/** Runs the faults (default: the full matrix) one after the other on one platform; results in order. */
export async function runFaultInjection(options: FaultInjectionOptions): Promise<FaultResult[]> {
  const timing = { ...DEFAULT_TIMING, ...options.timing };
  const faults = options.faults ?? FULL_MATRIX;
  const environment = await setUpEnvironment({ rootDir: options.rootDir, portOffset: options.portOffset ?? 5_500 });
  const results: FaultResult[] = [];
  const startedAt = new Date();
  try {
    for (const fault of faults) {
      const target = isEngine(fault.target) ? engineTarget(options.rootDir, fault.target) : serviceTarget(environment.platform, fault.target);
      const result = await runFault(environment, target, fault.signal, timing);
      results.push(result);
      options.onResult?.(result);
      // After every fault, so a run stopped half-way keeps what it found.
      if (options.reportFile !== undefined) writeFileSync(options.reportFile, renderFaultReport(results, { startedAt, timing, matrix: faults === FULL_MATRIX ? `full matrix, ${results.length} of ${faults.length} faults done` : `${results.length} of ${faults.length} faults` }));
    }
  } finally {
    await environment.tearDown();
  }
  return results;
}

/** The whole markdown document of a run. */
export function renderFaultReport(results: readonly FaultResult[], meta: { startedAt: Date; timing: FaultTiming; matrix: string }): string {
  const failures = results.filter((r) => !r.clean);
  const details = results
    .filter((r) => !r.clean || r.serviceErrors.length > 0 || r.reconciliation.examples.length > 0 || r.unexpected.examples.length > 0 || r.webhookEvidence.length > 0 || r.errorsAfterRecovery.length > 0)
    .map((r) => [`### ${r.signal} ${r.target}`, '', ...(r.error ? [`- error: ${r.error}`] : []), ...r.reconciliation.examples.map((e) => `- ${e}`), ...r.webhookEvidence.map((e) => `- lost webhook: ${e}`), ...r.errorsAfterRecovery.map((e) => `- error after recovery: ${e}`), ...r.drainEvidence.map((e) => `- backlog when the drain timed out: ${e}`), ...r.unexpected.examples.map((e) => `- unexpected answer: ${e.kind} ${e.status}${e.retryAfter ? ' (Retry-After)' : ''}${e.problem ? ' problem+json' : ''}${e.leak ? ' LEAKS A STACK TRACE' : ''}`), ...(r.serviceExits.length > 0 ? [`- service exits: ${r.serviceExits.join(', ')}`] : []), ...r.serviceErrors.map((e) => `- logged: ${e}`)].join('\n'));
  return [
    '# Fault injection results',
    '',
    `Run of ${meta.startedAt.toISOString()} (${meta.matrix}, ${results.length} faults), by \`runFaultInjection\` (tools/hardening/src/faults).`,
    `Per fault: ${meta.timing.warmupMs / 1000} s of mixed load (concurrency ${meta.timing.concurrency}: uploads 1–4 KiB and one in 20 of 256 KiB–1 MiB, downloads checked by SHA-256, shares, logins),`,
    `the signal, a hold, the restore (SIGCONT after SIGSTOP; \`engines.sh up <engine>\` or a service restart after SIGKILL), load until GET /v1/health is 200 and ${meta.timing.recoveryMs / 1000} s more,`,
    'then a drain (every acknowledged upload and share audited in ClickHouse and delivered to the local webhook receiver) and a download of every acknowledged upload.',
    '',
    'Status columns count answers by the phase in which they arrived (`0` = no answer: refused, reset or timed out after 30 s).',
    '"acked" counts what the platform acknowledged (201/200); every other count but the phases must be 0 for a clean fault.',
    '',
    renderFaultTable(results),
    '',
    `${results.length - failures.length} of ${results.length} faults clean.`,
    '',
    ...(details.length > 0 ? ['## Details', '', ...details.flatMap((d) => [d, ''])] : []),
  ].join('\n');
}
