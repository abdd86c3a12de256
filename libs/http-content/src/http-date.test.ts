import { describe, expect, it } from 'vitest';
import { formatHttpDate, parseHttpDate, toHttpSeconds } from './http-date.js';

const SAMPLE = Date.UTC(1994, 10, 6, 8, 49, 37);
const NOW = new Date(Date.UTC(2025, 0, 1));

describe('parseHttpDate', () => {
  it.each([
    ['IMF-fixdate', 'Sun, 06 Nov 1994 08:49:37 GMT'],
    ['RFC 850', 'Sunday, 06-Nov-94 08:49:37 GMT'],
    ['asctime', 'Sun Nov  6 08:49:37 1994'],
    ['surrounding whitespace', '  Sun, 06 Nov 1994 08:49:37 GMT '],
    ['a day name that disagrees with the date', 'Mon, 06 Nov 1994 08:49:37 GMT'],
  ])('accepts %s', (_name, value) => {
    expect(parseHttpDate(value, NOW)?.getTime()).toBe(SAMPLE);
  });

  it.each([
    ['empty', ''],
    ['ISO 8601', '1994-11-06T08:49:37Z'],
    ['epoch seconds', '784111777'],
    ['lower-case gmt', 'Sun, 06 Nov 1994 08:49:37 gmt'],
    ['another zone', 'Sun, 06 Nov 1994 08:49:37 +0000'],
    ['no zone', 'Sun, 06 Nov 1994 08:49:37'],
    ['one-digit day', 'Sun, 6 Nov 1994 08:49:37 GMT'],
    ['unknown month', 'Sun, 06 Foo 1994 08:49:37 GMT'],
    ['31 February', 'Sun, 31 Feb 1994 08:49:37 GMT'],
    ['day 0', 'Sun, 00 Nov 1994 08:49:37 GMT'],
    ['hour 24', 'Sun, 06 Nov 1994 24:00:00 GMT'],
    ['minute 60', 'Sun, 06 Nov 1994 08:60:00 GMT'],
    ['a list of dates', 'Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT'],
    ['garbage', 'yesterday'],
  ])('refuses %s', (_name, value) => {
    expect(parseHttpDate(value, NOW)).toBeUndefined();
  });

  it('accepts 29 February only in a leap year', () => {
    expect(parseHttpDate('Thu, 29 Feb 2024 00:00:00 GMT', NOW)?.getTime()).toBe(Date.UTC(2024, 1, 29));
    expect(parseHttpDate('Thu, 29 Feb 2023 00:00:00 GMT', NOW)).toBeUndefined();
  });

  it('keeps years below 100 as written', () => {
    expect(parseHttpDate('Sat, 01 Jan 0050 00:00:00 GMT', NOW)?.getUTCFullYear()).toBe(50);
  });

  it('places a two-digit year no more than 50 years in the future', () => {
    expect(parseHttpDate('Monday, 01-Jan-74 00:00:00 GMT', NOW)?.getUTCFullYear()).toBe(2074);
    expect(parseHttpDate('Monday, 01-Jan-76 00:00:00 GMT', NOW)?.getUTCFullYear()).toBe(1976);
    expect(parseHttpDate('Monday, 01-Jan-99 00:00:00 GMT', new Date(Date.UTC(2080, 0, 1)))?.getUTCFullYear()).toBe(2099);
    expect(parseHttpDate('Monday, 01-Jan-20 00:00:00 GMT', new Date(Date.UTC(2080, 0, 1)))?.getUTCFullYear()).toBe(2120);
  });
});

describe('formatHttpDate', () => {
  it('formats an IMF-fixdate that parses back to the same second', () => {
    const date = new Date(SAMPLE + 999);
    expect(formatHttpDate(date)).toBe('Sun, 06 Nov 1994 08:49:37 GMT');
    expect(toHttpSeconds(parseHttpDate(formatHttpDate(date), NOW) ?? new Date(Number.NaN))).toBe(toHttpSeconds(date));
  });

  it('refuses an invalid date', () => {
    expect(() => formatHttpDate(new Date(Number.NaN))).toThrow();
  });
});
