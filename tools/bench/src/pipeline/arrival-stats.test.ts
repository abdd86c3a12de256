import { describe, expect, it } from 'vitest';
import { cpuSecondsOfProcStat, drainRate, histogramDelta, histogramQuantile, latencySummary, matchLatencies, parseHistogramBuckets, rateInWindow, steadyRate, sumOfSeries, timeWhenCountReached } from './arrival-stats.js';

describe('steadyRate', () => {
  it('measures between 10 % and 90 % of the total, leaving out the ramp and the tail', () => {
    // A slow start (consumers joining), then 100 per second, then a slow tail.
    const samples = [
      { atMs: 0, count: 0 },
      { atMs: 5_000, count: 10 },
      { atMs: 6_000, count: 110 },
      { atMs: 13_000, count: 810 },
      { atMs: 14_000, count: 910 },
      { atMs: 30_000, count: 1_000 },
    ];
    expect(steadyRate(samples, 1_000)).toBeCloseTo(100, 6);
  });

  it('is NaN when the drain never reached the upper bound', () => {
    expect(steadyRate([{ atMs: 0, count: 0 }, { atMs: 1_000, count: 500 }], 1_000)).toBeNaN();
  });

  it('refuses bounds out of order', () => {
    expect(() => steadyRate([], 10, 0.9, 0.1)).toThrow(RangeError);
  });
});

describe('timeWhenCountReached', () => {
  it('interpolates between the samples around the target', () => {
    expect(timeWhenCountReached([{ atMs: 1_000, count: 0 }, { atMs: 2_000, count: 100 }], 25)).toBe(1_250);
    expect(timeWhenCountReached([{ atMs: 1_000, count: 30 }], 25)).toBe(1_000);
    expect(timeWhenCountReached([{ atMs: 1_000, count: 10 }], 25)).toBeUndefined();
  });
});

describe('rateInWindow', () => {
  it('counts arrivals in a half-open window, per second', () => {
    expect(rateInWindow([0, 100, 999, 1_000, 1_500, 2_000], 0, 2_000)).toBe(2.5);
    expect(rateInWindow([1], 5, 5)).toBeNaN();
  });
});

describe('matchLatencies', () => {
  it('pairs commit and first-seen times by id and counts what never arrived', () => {
    const committed = new Map([['a', 1_000], ['b', 1_000], ['c', 2_000]]);
    const seen = new Map([['a', 1_250], ['c', 2_100], ['z', 9_999]]);
    expect(matchLatencies(committed, seen)).toEqual({ latenciesMs: [250, 100], missing: 1 });
  });

  it('never reports a negative latency (a poll that raced the commit acknowledgement)', () => {
    expect(matchLatencies(new Map([['a', 1_000]]), new Map([['a', 990]])).latenciesMs).toEqual([0]);
  });
});

describe('latencySummary', () => {
  it('reports p50, p99 and max', () => {
    const values = Array.from({ length: 101 }, (_, i) => i);
    expect(latencySummary(values)).toEqual({ p50: 50, p99: 99, max: 100, count: 101 });
  });
});

describe('Prometheus histograms', () => {
  const scrape = (counts: readonly number[]): string =>
    [
      '# HELP webhook_dispatch_lag_seconds From the delivery being written to the start of its first attempt.',
      '# TYPE webhook_dispatch_lag_seconds histogram',
      `webhook_dispatch_lag_seconds_bucket{le="0.1"} ${counts[0] ?? 0}`,
      `webhook_dispatch_lag_seconds_bucket{le="0.5"} ${counts[1] ?? 0}`,
      `webhook_dispatch_lag_seconds_bucket{le="1"} ${counts[2] ?? 0}`,
      `webhook_dispatch_lag_seconds_bucket{le="+Inf"} ${counts[3] ?? 0}`,
      `webhook_dispatch_lag_seconds_sum 12.5`,
      `webhook_dispatch_lag_seconds_count ${counts[3] ?? 0}`,
      'webhook_delivery_duration_seconds_bucket{le="0.1",outcome="succeeded"} 7',
    ].join('\n');

  it('parses the cumulative buckets of one histogram only', () => {
    expect(parseHistogramBuckets(scrape([1, 2, 3, 4]), 'webhook_dispatch_lag_seconds')).toEqual([
      { le: 0.1, count: 1 },
      { le: 0.5, count: 2 },
      { le: 1, count: 3 },
      { le: Number.POSITIVE_INFINITY, count: 4 },
    ]);
  });

  it('takes the difference of two scrapes and interpolates a quantile inside its bucket', () => {
    const before = parseHistogramBuckets(scrape([10, 10, 10, 10]), 'webhook_dispatch_lag_seconds');
    const after = parseHistogramBuckets(scrape([60, 110, 110, 110]), 'webhook_dispatch_lag_seconds');
    const delta = histogramDelta(before, after);
    expect(delta.map((bucket) => bucket.count)).toEqual([50, 100, 100, 100]);
    expect(histogramQuantile(delta, 0.5)).toBeCloseTo(0.1, 9);
    expect(histogramQuantile(delta, 0.75)).toBeCloseTo(0.3, 9);
    expect(histogramQuantile(delta, 0.25)).toBeCloseTo(0.05, 9);
  });

  it('answers the highest finite bound for a quantile in +Inf, and NaN without observations', () => {
    expect(histogramQuantile([{ le: 1, count: 1 }, { le: Number.POSITIVE_INFINITY, count: 10 }], 0.99)).toBe(1);
    expect(histogramQuantile([{ le: 1, count: 0 }], 0.5)).toBeNaN();
  });
});

describe('drainRate', () => {
  it('is the steady rate of a finished drain, and of the part that arrived otherwise', () => {
    const samples = [
      { atMs: 0, count: 0 },
      { atMs: 10_000, count: 500 },
    ];
    expect(drainRate(samples, 500)).toBeCloseTo(50, 6);
    expect(drainRate(samples, 10_000)).toBeCloseTo(50, 6);
    expect(drainRate([{ atMs: 0, count: 0 }], 10)).toBeNaN();
  });
});

describe('sumOfSeries', () => {
  it('adds every labelled series of one metric and nothing else', () => {
    const text = ['audit_events_ingested_total{outcome="success"} 10', 'audit_events_ingested_total{outcome="denied"} 5', 'audit_events_ingested_totally 99', 'audit_batch_write_seconds_count 3'].join('\n');
    expect(sumOfSeries(text, 'audit_events_ingested_total')).toBe(15);
    expect(sumOfSeries(text, 'audit_batch_write_seconds_count')).toBe(3);
    expect(sumOfSeries(text, 'missing')).toBe(0);
  });
});

describe('cpuSecondsOfProcStat', () => {
  it('reads utime + stime past a command name with spaces', () => {
    const stat = '1234 (node (audit) x) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 100 0 0';
    expect(cpuSecondsOfProcStat(stat)).toBe(3);
  });
});
