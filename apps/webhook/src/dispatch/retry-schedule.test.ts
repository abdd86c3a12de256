import { describe, expect, it } from 'vitest';
import { nextAttemptDelayMs, parseRetrySchedule } from './retry-schedule.js';

const DEFAULT = '0,5s,5m,30m,2h,5h,10h,14h,20h,24h';

describe('parseRetrySchedule', () => {
  it('reads the default (Standard Webhooks) schedule', () => {
    expect(parseRetrySchedule(DEFAULT)).toEqual([0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000]);
  });

  it.each(['', '5', '0,,5s', '5 minutes', '-5s', '1.5s', '5y'])('refuses %j', (text) => {
    expect(() => parseRetrySchedule(text)).toThrow();
  });
});

describe('nextAttemptDelayMs', () => {
  const schedule = parseRetrySchedule(DEFAULT);
  const middle = () => 0.5;

  it('follows the schedule (no jitter at the middle of the range) and ends after the last entry', () => {
    expect(nextAttemptDelayMs(schedule, 1, { random: middle })).toBe(5_000);
    expect(nextAttemptDelayMs(schedule, 2, { random: middle })).toBe(300_000);
    expect(nextAttemptDelayMs(schedule, 9, { random: middle })).toBe(86_400_000);
    expect(nextAttemptDelayMs(schedule, 10, { random: middle })).toBeUndefined();
  });

  it('jitters within ±20 %', () => {
    expect(nextAttemptDelayMs(schedule, 2, { random: () => 0 })).toBe(240_000);
    expect(nextAttemptDelayMs(schedule, 2, { random: () => 0.999_999 })).toBe(360_000);
  });

  it('waits at least Retry-After, but never longer than the longest delay of the schedule', () => {
    expect(nextAttemptDelayMs(schedule, 1, { random: middle, retryAfterMs: 60_000 })).toBe(60_000);
    expect(nextAttemptDelayMs(schedule, 1, { random: middle, retryAfterMs: 1_000 })).toBe(5_000);
    expect(nextAttemptDelayMs(schedule, 1, { random: middle, retryAfterMs: 10 * 86_400_000 })).toBe(86_400_000);
  });
});
