import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../bench-result.js';
import { formatNumber, renderReport, type RunDescription } from './render-report.js';

const run: RunDescription = {
  startedAt: '2026-01-01T00:00:00Z',
  finishedAt: '2026-01-01T00:10:00Z',
  command: 'make bench',
  quick: false,
  machine: { cpu: 'Test CPU', cores: 2, memoryGiB: 7.75, kernel: 'Linux 6.1', node: 'v20.20.0', loadAverage: '0.50, 0.40, 0.30' },
  engines: { PostgreSQL: '16.4' },
  setup: ['rate limits raised'],
  method: ['3 repetitions'],
  findings: ['Upload: hashing takes the time.'],
  skipped: ['6–8: pipeline benchmarks failed'],
};

const upload: BenchResult = {
  id: 'upload-1gib-s3',
  section: 1,
  title: '1 GiB upload | S3',
  coffer: { unit: 'MiB/s', samples: [150, 160, 170] },
  baseline: { name: 'minio PUT', series: { unit: 'MiB/s', samples: [200, 200, 210] } },
  higherIsBetter: true,
  target: { kind: 'ratio-at-least', value: 0.85 },
  notes: ['SHA-256 and HMAC on the way'],
};
const idle: BenchResult = { id: 'rss-idle-gateway', section: 9, title: 'Idle RSS gateway', coffer: { unit: 'MiB', samples: [80] }, higherIsBetter: false };

describe('formatNumber', () => {
  it('keeps about three significant figures and separates thousands', () => {
    expect(formatNumber(12345.6)).toBe('12,346');
    expect(formatNumber(123.45)).toBe('123');
    expect(formatNumber(12.345)).toBe('12.3');
    expect(formatNumber(1.2345)).toBe('1.23');
    expect(formatNumber(0.12345)).toBe('0.123');
    expect(formatNumber(-2)).toBe('−2.00');
  });

  it('prints a dash for nothing and ∞ for infinity', () => {
    expect(formatNumber(undefined)).toBe('—');
    expect(formatNumber(Number.NaN)).toBe('—');
    expect(formatNumber(Number.POSITIVE_INFINITY)).toBe('∞');
  });
});

describe('renderReport', () => {
  const report = renderReport(run, [idle, upload]);

  it('states the machine, the engines and the command', () => {
    expect(report).toContain('- CPU: Test CPU, 2 cores');
    expect(report).toContain('- PostgreSQL: 16.4');
    expect(report).toContain('when the run started: 0.50, 0.40, 0.30');
    expect(report).toContain('(10 min)');
    expect(report).toContain('```sh\nmake bench\n```');
  });

  it('prints each result beside its baseline with ratio, target, verdict and spread, sections in order', () => {
    expect(report).toContain('| 1 GiB upload \\| S3 | 160 MiB/s | 200 MiB/s (minio PUT) | 0.800 | ratio ≥ 0.850 | **no** | 150–170 / 200–210 | 3 / 3 |');
    expect(report).toContain('| Idle RSS gateway | 80.0 MiB | — | — | — | — | 80.0 / — | 1 |');
    expect(report.indexOf('## 1. 1 GiB upload')).toBeLessThan(report.indexOf('## 9. Memory'));
    expect(report).toContain('- 1 GiB upload | S3: SHA-256 and HMAC on the way');
  });

  it('lists missed targets, the findings and what was not measured', () => {
    expect(report).toMatch(/## Where the time goes\n\nMissed in this run:\n\n- 1 GiB upload \\\| S3 \(ratio 0.800, target ratio ≥ 0.850\)/);
    expect(report).toContain('Upload: hashing takes the time.');
    expect(report).toContain('- 6–8: pipeline benchmarks failed');
  });

  it('marks a quick run as not for quoting', () => {
    expect(renderReport({ ...run, quick: true }, [])).toContain('not for quoting');
  });
});
