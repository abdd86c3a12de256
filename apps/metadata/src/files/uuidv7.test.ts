import { describe, expect, it } from 'vitest';
import { uuidv7, uuidv7Time } from './uuidv7.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidv7', () => {
  it('has the RFC 9562 layout: version 7, variant 10', () => {
    for (let i = 0; i < 100; i += 1) expect(uuidv7()).toMatch(V7);
  });

  it('carries the time in its first 48 bits', () => {
    const now = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    const id = uuidv7(now);
    expect(uuidv7Time(id)).toBe(now);
    expect(id.slice(0, 13)).toBe(`${now.toString(16).padStart(12, '0').slice(0, 8)}-${now.toString(16).padStart(12, '0').slice(8)}`);
  });

  it('places the random bytes around the version and variant bits', () => {
    expect(uuidv7(0, Buffer.alloc(10, 0xff))).toBe('00000000-0000-7fff-bfff-ffffffffffff');
    expect(uuidv7(2 ** 48 - 1, Buffer.alloc(10, 0))).toBe('ffffffff-ffff-7000-8000-000000000000');
  });

  it('sorts by time: an id made later compares greater as text', () => {
    const ids = [1_000, 2_000, 2_001, 1_700_000_000_000].map((ms) => uuidv7(ms));
    expect([...ids].sort()).toEqual(ids);
  });

  it('is unique within one millisecond', () => {
    const ids = new Set(Array.from({ length: 1_000 }, () => uuidv7(1_700_000_000_000)));
    expect(ids.size).toBe(1_000);
  });

  it('refuses a time outside 48 bits and too few random bytes', () => {
    expect(() => uuidv7(-1)).toThrow(RangeError);
    expect(() => uuidv7(2 ** 48)).toThrow(RangeError);
    expect(() => uuidv7(1, Buffer.alloc(9))).toThrow(RangeError);
  });
});
