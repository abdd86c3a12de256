import { describe, expect, it } from 'vitest';
import { EXIT_CODE_MEANINGS, EXIT_CODES, exitCodeForStatus } from './exit-codes.js';

describe('exit codes', () => {
  it('are unique and each has a documented meaning', () => {
    const codes = Object.values(EXIT_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    expect(EXIT_CODE_MEANINGS.map((entry) => entry.code).sort((a, b) => a - b)).toEqual([...codes].sort((a, b) => a - b));
  });

  it.each([
    [401, 3],
    [403, 5],
    [404, 4],
    [409, 6],
    [412, 6],
    [429, 9],
    [400, 10],
    [413, 10],
    [415, 10],
    [422, 10],
    [500, 8],
    [502, 8],
    [503, 8],
  ])('maps HTTP %i to %i', (status, code) => {
    expect(exitCodeForStatus(status)).toBe(code);
  });
});
