import { describe, expect, it } from 'vitest';
import { median, percentile, spread } from './statistics.js';

describe('percentile', () => {
  it('interpolates between closest ranks', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 20, 30, 40, 50], 25)).toBe(20);
    expect(percentile([1, 2], 99)).toBeCloseTo(1.99);
  });

  it('does not care about input order and leaves the input alone', () => {
    const values = [5, 1, 4, 2, 3];
    expect(percentile(values, 0)).toBe(1);
    expect(percentile(values, 100)).toBe(5);
    expect(values).toEqual([5, 1, 4, 2, 3]);
  });

  it('answers NaN for no values and refuses a percentile out of range', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('median', () => {
  it('is the middle value, or the mean of the two middle values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });
});

describe('spread', () => {
  it('reports range, quartiles and range relative to the median', () => {
    expect(spread([90, 100, 110])).toEqual({ min: 90, max: 110, q1: 95, q3: 105, relativeRange: 0.2 });
  });

  it('is NaN throughout for no values', () => {
    expect(spread([]).min).toBeNaN();
    expect(spread([]).relativeRange).toBeNaN();
  });
});
