import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../bench-result.js';
import { findingsFor } from './findings.js';

const result = (id: string, coffer: number): BenchResult => ({
  id,
  section: 3,
  title: id,
  coffer: { unit: 'req/s', samples: [coffer] },
  baseline: { name: 'direct', series: { unit: 'req/s', samples: [100] } },
  higherIsBetter: true,
  target: { kind: 'ratio-at-least', value: 0.6 },
});

describe('findingsFor', () => {
  it('explains only what missed its target', () => {
    expect(findingsFor([result('download-4kib-c32-throughput', 90)])).toEqual([]);
    const missed = findingsFor([result('download-4kib-c32-throughput', 10), result('download-large-s3', 10)]);
    expect(missed).toHaveLength(2);
    expect(missed[0]).toMatch(/Large transfers/);
    expect(missed[1]).toMatch(/Small requests/);
  });
});
