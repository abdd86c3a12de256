import type { FaultResult } from './run-fault.js';

/** Status counts of one phase as `201×40 503×3`, statuses in order. */
export function formatCounts(counts: Record<string, number> | undefined): string {
  if (counts === undefined || Object.keys(counts).length === 0) return '–';
  return Object.entries(counts)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([status, n]) => `${status}×${n}`)
    .join(' ');
}

const seconds = (ms: number | undefined) => (ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`);

/** The markdown table of docs/security/fault-injection.md: one row per fault. */
export function renderFaultTable(results: readonly FaultResult[]): string {
  const head =
    '| fault | hold | before | during fault | recovering | after | healthy after restore | acked up/share/login | lost downloads | audit missing/dup | webhooks missing/dup/redelivered | non-503 5xx / leaks / 503 w/o Retry-After / non-problem | drained | verdict |\n' +
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|';
  const rows = results.map((r) => {
    const c = r.reconciliation;
    const u = r.unexpected;
    const verdict = r.clean ? 'clean' : `**FAIL**${r.error ? ` (${r.error.replace(/\|/g, '/').slice(0, 80)})` : ''}`;
    return [
      `${r.signal} ${r.target}`,
      seconds(r.holdMs),
      formatCounts(r.phases['before']),
      formatCounts(r.phases['fault']),
      formatCounts(r.phases['recovery']),
      formatCounts(r.phases['after']),
      seconds(r.healthyAfterMs),
      `${c.acked.uploads}/${c.acked.shares}/${c.acked.logins}`,
      String(c.downloads.failed + c.downloads.badDigest + r.midRunBadDigests),
      `${c.audit.missing + c.audit.missingLogins}/${c.audit.duplicated}`,
      `${c.webhooks.missing}/${c.webhooks.duplicated}/${c.webhooks.redeliveries}`,
      `${u.serverErrors} / ${u.leaks} / ${u.unavailableWithoutRetryAfter} / ${u.notProblemJson}`,
      seconds(r.drainedAfterMs),
      verdict,
    ].join(' | ');
  });
  return [head, ...rows.map((row) => `| ${row} |`)].join('\n');
}
