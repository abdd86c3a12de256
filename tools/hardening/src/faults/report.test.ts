import { describe, expect, it } from 'vitest';
import { formatCounts, renderFaultTable } from './report.js';
import type { FaultResult } from './run-fault.js';

const result = (overrides: Partial<FaultResult> = {}): FaultResult => ({
  target: 'postgres',
  signal: 'SIGKILL',
  holdMs: 10_000,
  injection: undefined,
  healthyAfterMs: 2_500,
  phases: { before: { '201': 40, '200': 20 }, fault: { '503': 7, '0': 1 }, recovery: {}, after: { '201': 9 } },
  unexpected: { serverErrors: 0, unavailableWithoutRetryAfter: 0, notProblemJson: 0, leaks: 0, examples: [] },
  reconciliation: { acked: { uploads: 49, shares: 5, logins: 6 }, downloads: { failed: 0, badDigest: 0 }, audit: { missing: 0, duplicated: 0, missingLogins: 0 }, webhooks: { missing: 0, duplicated: 0, redeliveries: 2 }, examples: [] },
  drainedAfterMs: 1_000,
  midRunBadDigests: 0,
  webhookEvidence: [],
  errorsAfterRecovery: [],
  drainEvidence: [],
  serviceExits: [],
  serviceErrors: [],
  error: undefined,
  clean: true,
  ...overrides,
});

describe('formatCounts', () => {
  it('lists statuses in numeric order, and a dash for none', () => {
    expect(formatCounts({ '503': 2, '0': 1, '201': 30 })).toBe('0×1 201×30 503×2');
    expect(formatCounts({})).toBe('–');
    expect(formatCounts(undefined)).toBe('–');
  });
});

describe('renderFaultTable', () => {
  it('writes one row per fault with its counts and verdict', () => {
    const table = renderFaultTable([result(), result({ target: 'kafka', signal: 'SIGSTOP', clean: false, error: 'a|b', healthyAfterMs: undefined })]);
    const lines = table.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toBe('| SIGKILL postgres | 10.0 s | 200×20 201×40 | 0×1 503×7 | – | 201×9 | 2.5 s | 49/5/6 | 0 | 0/0 | 0/0/2 | 0 / 0 / 0 / 0 | 1.0 s | clean |');
    expect(lines[3]).toContain('| never |');
    expect(lines[3]).toContain('**FAIL** (a/b)');
  });
});
