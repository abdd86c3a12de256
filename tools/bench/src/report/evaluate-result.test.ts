import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../bench-result.js';
import { evaluateResult } from './evaluate-result.js';

const throughput = (coffer: number[], baseline: number[], target: BenchResult['target']): BenchResult => ({
  id: 'x',
  section: 1,
  title: 'x',
  coffer: { unit: 'MiB/s', samples: coffer },
  baseline: { name: 'direct', series: { unit: 'MiB/s', samples: baseline } },
  higherIsBetter: true,
  ...(target ? { target } : {}),
});

describe('evaluateResult', () => {
  it('divides medians and holds the ratio to a ratio target', () => {
    const met = evaluateResult(throughput([80, 90, 100], [100, 100, 120], { kind: 'ratio-at-least', value: 0.85 }));
    expect(met.cofferMedian).toBe(90);
    expect(met.baselineMedian).toBe(100);
    expect(met.ratio).toBeCloseTo(0.9);
    expect(met.met).toBe(true);
    expect(evaluateResult(throughput([80], [100], { kind: 'ratio-at-least', value: 0.85 })).met).toBe(false);
  });

  it('holds the median itself to an absolute bound, in the figure’s unit', () => {
    const latency: BenchResult = { id: 'p99', section: 3, title: 'p99', coffer: { unit: 'ms', samples: [9, 12, 11] }, higherIsBetter: false, target: { kind: 'at-most', value: 10, unit: 'ms' } };
    expect(evaluateResult(latency).met).toBe(false);
    expect(evaluateResult({ ...latency, coffer: { unit: 'ms', samples: [4, 5, 30] } }).met).toBe(true);
    expect(() => evaluateResult({ ...latency, target: { kind: 'at-most', value: 10, unit: 's' } })).toThrow(/target in s/);
  });

  it('leaves met undefined without a target, without a baseline for a ratio, or without samples', () => {
    expect(evaluateResult(throughput([1], [1], undefined)).met).toBeUndefined();
    const noBaseline: BenchResult = { id: 'rss', section: 9, title: 'rss', coffer: { unit: 'MiB', samples: [50] }, higherIsBetter: false, target: { kind: 'ratio-at-least', value: 1 } };
    expect(evaluateResult(noBaseline).ratio).toBeUndefined();
    expect(evaluateResult(noBaseline).met).toBeUndefined();
    expect(evaluateResult(throughput([], [1], { kind: 'ratio-at-least', value: 0.5 })).met).toBeUndefined();
    expect(evaluateResult(throughput([1], [0], { kind: 'ratio-at-least', value: 0.5 })).ratio).toBeUndefined();
  });
});
