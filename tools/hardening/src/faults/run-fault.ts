import { countByPhase, sha256, startMixedWorkload, unexpectedAnswers, call, emptyWorkloadRecord, type Phase, type PhaseCounts, type Unexpected } from '../workload/index.js';
import type { HarnessEnvironment } from './environment.js';
import { inject, type Injection } from './inject.js';
import { isClean, reconcile, type DownloadCheck, type Reconciliation } from './reconcile.js';
import type { FaultSignal, FaultTarget } from './targets.js';

export interface FaultTiming {
  /** Load before the fault. */
  readonly warmupMs: number;
  /** How long the target stays killed or stopped. */
  readonly holdMs: number;
  /** Load after the platform is healthy again. */
  readonly recoveryMs: number;
  /** How long the platform may take to be healthy after the restore. */
  readonly healthyTimeoutMs: number;
  /** How long the audit trail and the receiver may take to catch up after the load stopped. */
  readonly drainTimeoutMs: number;
  readonly concurrency: number;
}

export interface FaultResult {
  readonly target: string;
  readonly signal: FaultSignal;
  readonly holdMs: number;
  readonly injection: Injection | undefined;
  /** From the restore to the first healthy GET /v1/health; undefined: not healthy in time. */
  readonly healthyAfterMs: number | undefined;
  readonly phases: PhaseCounts;
  readonly unexpected: Unexpected;
  readonly reconciliation: Reconciliation;
  /** From the load stopping to everything audited and delivered; undefined: not within the drain timeout. */
  readonly drainedAfterMs: number | undefined;
  readonly serviceExits: readonly string[];
  /** When the drain timed out: the backlog and lag metrics of each service then. */
  readonly drainEvidence: readonly string[];
  /** Distinct error answers after the platform was healthy again (kind, status, problem), with counts. */
  readonly errorsAfterRecovery: readonly string[];
  /** For each lost webhook: the event's delivery rows (status, attempts, last error), or none. */
  readonly webhookEvidence: readonly string[];
  /** Downloads during the load that answered 200 with other bytes than were uploaded. */
  readonly midRunBadDigests: number;
  /** Per service, the error lines it logged during this fault (the first 3, with the count). */
  readonly serviceErrors: readonly string[];
  readonly error: string | undefined;
  readonly clean: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls GET /v1/health until 200; the time it took, or undefined after the timeout. */
async function healthyWithin(base: string, timeoutMs: number): Promise<number | undefined> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const answer = await call(base, 'GET', '/v1/health', { timeoutMs: 3_000 });
    if (answer.status === 200) return Date.now() - started;
    await sleep(500);
  }
  return undefined;
}

/** Outbox backlog, consumer lag and webhook queue samples of every service (Prometheus text), one line each. */
async function backlogMetrics(environment: HarnessEnvironment): Promise<string[]> {
  const lines: string[] = [];
  for (const [service, ports] of Object.entries(environment.platform.ports)) {
    try {
      const response = await fetch(`http://127.0.0.1:${ports.ops}/metrics`, { signal: AbortSignal.timeout(3_000) });
      const wanted = (await response.text()).split('\n').filter((line) => /^(outbox_backlog_events|outbox_oldest_pending_age_seconds|webhook_queue_depth|[a-z_]*consumer_lag[a-z_]*|[a-z_]*(dead|dlq)[a-z_]*)[{ ]/.test(line));
      if (wanted.length > 0) lines.push(`${service}: ${wanted.join('; ').slice(0, 600)}`);
    } catch (caught) {
      lines.push(`${service}: /metrics failed (${caught instanceof Error ? caught.message : String(caught)})`);
    }
  }
  return lines;
}

/**
 * One fault under the mixed workload: load, signal, hold, restore, wait for health, load, stop
 * the load, wait for the audit trail and the webhooks to catch up, then reconcile what the
 * platform acknowledged in this window against downloads, audit rows and deliveries.
 */
export async function runFault(environment: HarnessEnvironment, target: FaultTarget, signal: FaultSignal, timing: FaultTiming): Promise<FaultResult> {
  const base = environment.identity.baseUrl;
  const exitsBefore = environment.exits.length;
  const errorLinesBefore = new Map([...environment.errorLines].map(([service, lines]) => [service, lines.length]));
  const record = emptyWorkloadRecord();
  const hooksBefore = environment.sink.hits.length;
  const start = Date.now();
  const workload = startMixedWorkload(environment.identity, { concurrency: timing.concurrency }, record);
  let injection: Injection | undefined;
  let healthyAfterMs: number | undefined;
  let error: string | undefined;
  let healthyAt = 0;
  try {
    await sleep(timing.warmupMs);
    injection = await inject(target, signal, timing.holdMs);
    healthyAfterMs = await healthyWithin(base, timing.healthyTimeoutMs);
    healthyAt = Date.now();
    await sleep(timing.recoveryMs);
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  } finally {
    await workload.stop();
  }
  const stop = Date.now();

  // Drain: every acknowledged upload/share audited and delivered (or the timeout).
  const uploads = [...record.uploads.values()];
  const shares = [...record.shares.values()];
  const window = { from: start, to: stop + 1 };
  const noDownloads = new Map<string, DownloadCheck>();
  let drainedAfterMs: number | undefined;
  const drainEvidence: string[] = [];
  let audit = await environment.auditRows().catch(() => []);
  for (;;) {
    const hooks = environment.sink.hits.slice(hooksBefore);
    const pending = reconcile({ uploads, shares, logins: record.logins, window, downloads: noDownloads, audit, hooks });
    if (pending.audit.missing + pending.webhooks.missing + pending.audit.missingLogins === 0) {
      drainedAfterMs = Date.now() - stop;
      break;
    }
    if (Date.now() - stop > timing.drainTimeoutMs) {
      drainEvidence.push(...(await backlogMetrics(environment)));
      break;
    }
    await sleep(1_000);
    audit = await environment.auditRows().catch(() => audit);
  }

  // Every acknowledged upload downloads with its digest (with a fresh token: the run may outlast one).
  const login = await call(base, 'POST', '/v1/auth/login', { json: { email: environment.identity.email, password: environment.identity.password } });
  if (login.status === 200 && typeof login.json?.['accessToken'] === 'string') environment.identity.token = login.json['accessToken'];
  const downloads = new Map<string, DownloadCheck>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < uploads.length) {
        const upload = uploads[next];
        next += 1;
        if (upload === undefined) continue;
        const answer = await call(base, 'GET', `/v1/files/${upload.id}/content`, { token: environment.identity.token });
        downloads.set(upload.id, { status: answer.status, sha256: answer.status === 200 ? sha256(answer.bytes) : '' });
      }
    }),
  );
  const reconciliation = reconcile({ uploads, shares, logins: record.logins, window, downloads, audit, hooks: environment.sink.hits.slice(hooksBefore) });
  // Evidence for lost webhooks: what the webhook service says about those events' deliveries.
  const webhookEvidence: string[] = [];
  if (reconciliation.webhooks.missing > 0) {
    const delivered = new Set(environment.sink.hits.map((hit) => `${hit.type} ${hit.subject}`));
    const mine = new Set([...uploads.map((u) => `file.uploaded ${u.id}`), ...shares.map((x) => `share.granted ${x.fileId}`)]);
    const lost = audit.filter((row) => mine.has(`${row.action} ${row.subject}`) && !delivered.has(`${row.action} ${row.subject}`));
    const deliveries = await environment.deliveries().catch((caught: unknown) => {
      webhookEvidence.push(`deliveries not listed: ${caught instanceof Error ? caught.message : String(caught)}`);
      return [];
    });
    for (const row of lost.slice(0, 5)) {
      const rows = deliveries.filter((d) => d.eventId === row.id);
      webhookEvidence.push(`${row.action} ${row.subject} (event ${row.id}): ${rows.length === 0 ? 'no delivery row' : rows.map((d) => `${d.status}, ${d.attempts} attempts${d.lastError ? `, ${d.lastError}` : ''}`).join('; ')}`);
    }
  }
  const phases: Phase[] =
    injection === undefined
      ? [{ name: 'before', from: start, to: stop + 1 }]
      : [
          { name: 'before', from: start, to: injection.injectedAt },
          { name: 'fault', from: injection.injectedAt, to: injection.restoredAt },
          { name: 'recovery', from: injection.restoredAt, to: healthyAt || stop + 1 },
          { name: 'after', from: healthyAt || stop + 1, to: stop + 1 },
        ];
  const unexpected = unexpectedAnswers(record.requests);
  const afterFrom = healthyAt || stop + 1;
  const errorsAfter = new Map<string, number>();
  for (const r of record.requests) {
    if (r.at < afterFrom || r.status < 400) continue;
    const text = `${r.kind} ${r.status} ${r.detail ?? ''}`;
    errorsAfter.set(text, (errorsAfter.get(text) ?? 0) + 1);
  }
  const mid = record.badDigests.length;
  return {
    target: target.name,
    signal,
    holdMs: timing.holdMs,
    injection,
    healthyAfterMs,
    phases: countByPhase(record.requests, phases),
    unexpected,
    reconciliation,
    drainedAfterMs,
    midRunBadDigests: mid,
    drainEvidence,
    errorsAfterRecovery: [...errorsAfter.entries()].map(([text, n]) => `${n}× ${text}`),
    webhookEvidence,
    serviceErrors: [...environment.errorLines].flatMap(([service, lines]) => {
      const fresh = lines.slice(errorLinesBefore.get(service) ?? 0);
      return fresh.length === 0 ? [] : [`${service}: ${fresh.length} error line(s), first: ${fresh.slice(0, 3).join(' | ')}`];
    }),
    serviceExits: environment.exits.slice(exitsBefore).map((exit) => `${exit.service} (${exit.signal ?? 'exit'})`),
    error,
    clean: error === undefined && healthyAfterMs !== undefined && mid === 0 && isClean(reconciliation) && unexpected.serverErrors + unexpected.leaks === 0,
  };
}
