import { describe, expect, it } from 'vitest';
import { uniqueName } from './unique-name.js';

describe('uniqueName', () => {
  it('gives a different lower-case name on every call', () => {
    const names = new Set(Array.from({ length: 200 }, () => uniqueName('smoke')));
    expect(names.size).toBe(200);
    for (const name of names) expect(name).toMatch(/^smoke_[0-9a-z]+_[0-9a-f]{6}$/);
  });

  it('uses - for S3 bucket names and stays within 63 characters', () => {
    const name = uniqueName('coffer-smoke', '-');
    expect(name).toMatch(/^coffer-smoke-[0-9a-z]+-[0-9a-f]{6}$/);
    expect(name.length).toBeLessThanOrEqual(63);
  });

  it('refuses a prefix that would make an invalid identifier', () => {
    expect(() => uniqueName('Bad Prefix')).toThrow(/prefix must be lower-case/);
  });
});
