import { describe, expect, it } from 'vitest';
import { parseBenchOptions, selects } from './bench-options.js';

describe('parseBenchOptions', () => {
  it('runs everything at full size by default', () => {
    const options = parseBenchOptions([]);
    expect(options).toMatchObject({ quick: false, only: undefined, transferBytes: 1024 ** 3, transferRepetitions: 3 });
    expect(selects(options, 6)).toBe(true);
  });

  it('takes --quick and --only in both spellings', () => {
    const options = parseBenchOptions(['--quick', '--only', '3,5']);
    expect(options.quick).toBe(true);
    expect(options.transferBytes).toBeLessThan(1024 ** 3);
    expect(selects(options, 1, 2)).toBe(false);
    expect(selects(options, 5)).toBe(true);
    expect(selects(parseBenchOptions(['--only=9']), 9)).toBe(true);
  });

  it('refuses what it does not know', () => {
    expect(() => parseBenchOptions(['--only', '10'])).toThrow(/not a section/);
    expect(() => parseBenchOptions(['--only'])).toThrow(/needs a list/);
    expect(() => parseBenchOptions(['--fast'])).toThrow(/unknown argument/);
  });
});
