import { describe, expect, it } from 'vitest';
import { countByPhase, countBySecond, leaksInternals, unexpectedAnswers, type RequestRecord } from './status-ledger.js';

const at = (ms: number, status: number, extra: Partial<RequestRecord> = {}): RequestRecord => ({ at: ms, kind: 'upload', status, retryAfter: false, leak: false, problem: status >= 400, ...extra });

describe('countByPhase', () => {
  it('puts each answer in the phase it arrived in, [from, to), and drops answers outside every phase', () => {
    const phases = [
      { name: 'before', from: 1_000, to: 2_000 },
      { name: 'fault', from: 2_000, to: 3_000 },
    ];
    const counts = countByPhase([at(999, 201), at(1_000, 201), at(1_999, 201), at(2_000, 503), at(2_500, 0), at(2_999, 503), at(3_000, 201)], phases);
    expect(counts).toEqual({ before: { '201': 2 }, fault: { '503': 2, '0': 1 } });
  });

  it('keeps an empty phase with no answers', () => {
    expect(countByPhase([], [{ name: 'after', from: 0, to: 10 }])).toEqual({ after: {} });
  });
});

describe('countBySecond', () => {
  it('counts statuses per second since the start', () => {
    const seconds = countBySecond([at(10_000, 201), at(10_999, 503), at(11_000, 201)], 10_000);
    expect([...seconds.entries()]).toEqual([
      [0, { '201': 1, '503': 1 }],
      [1, { '201': 1 }],
    ]);
  });
});

describe('unexpectedAnswers', () => {
  it('accepts 2xx, 4xx problems, 503 with Retry-After and missing answers', () => {
    const result = unexpectedAnswers([at(1, 201), at(2, 404), at(3, 503, { retryAfter: true }), at(4, 0)]);
    expect(result).toEqual({ serverErrors: 0, unavailableWithoutRetryAfter: 0, notProblemJson: 0, leaks: 0, examples: [] });
  });

  it('counts other 5xx, 503 without Retry-After, non-problem errors and leaks, with examples', () => {
    const leaky = at(5, 500, { leak: true, problem: false });
    const result = unexpectedAnswers([at(1, 500), at(2, 502), at(3, 503), leaky]);
    expect(result.serverErrors).toBe(3);
    expect(result.unavailableWithoutRetryAfter).toBe(1);
    expect(result.notProblemJson).toBe(1);
    expect(result.leaks).toBe(1);
    expect(result.examples).toHaveLength(4);
  });
});

describe('leaksInternals', () => {
  it('finds a Node stack trace in an error body', () => {
    let stack = '';
    try {
      JSON.parse('{');
    } catch (error) {
      stack = (error as Error).stack ?? '';
    }
    expect(leaksInternals(JSON.stringify({ detail: 'x' }).replace('x', stack))).toBe(true);
    expect(leaksInternals(stack)).toBe(true);
  });

  it('does not flag a plain problem document', () => {
    expect(leaksInternals(JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'the file store is unavailable, try again later' }))).toBe(false);
  });
});
