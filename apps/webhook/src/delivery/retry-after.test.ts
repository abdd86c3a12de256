import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry-after.js';

const now = Date.parse('2025-06-01T12:00:00.000Z');

describe('parseRetryAfter', () => {
  it.each([
    ['0', 0],
    ['120', 120],
    [' 30 ', 30],
    ['007', 7],
    ['99999999999999999999999', Number.MAX_SAFE_INTEGER],
  ])('reads delta-seconds %j as %d', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  it.each([
    ['Sun, 01 Jun 2025 12:01:30 GMT', 90],
    ['Sunday, 01-Jun-25 12:00:10 GMT', 10],
    ['Sun Jun  1 12:00:05 2025', 5],
  ])('reads the HTTP-date %j as seconds from now', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  it('rounds a partial second up', () => {
    expect(parseRetryAfter('Sun, 01 Jun 2025 12:00:02 GMT', now - 500)).toBe(3);
  });

  it('never returns a negative number for a date in the past', () => {
    expect(parseRetryAfter('Sun, 01 Jun 2025 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:00 GMT', now)).toBe(0);
  });

  it.each([undefined, '', '-5', '1.5', '5s', 'soon', 'tomorrow', '2025-06-01T12:01:00Z', 'Sun, 01 Jun 2025 12:01:30', 'Xyz, 99 Foo 2025 12:01:30 GMT'])(
    'ignores %j',
    (value) => {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    },
  );
});
