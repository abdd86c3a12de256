import { describe, expect, it } from 'vitest';
import { normalizeDisplayName, normalizeEmail } from './profile-fields.js';

describe('normalizeEmail', () => {
  it.each([
    ['  Ada@Example.COM ', 'Ada@example.com'],
    ['first.last+tag@sub.example.org', 'first.last+tag@sub.example.org'],
  ])('accepts %j as %j', (raw, expected) => expect(normalizeEmail(raw)).toBe(expected));

  it.each([
    [''],
    ['no-at-sign.example.com'],
    ['@example.com'],
    ['ada@'],
    ['ada@localhost'],
    ['ada@example.123'],
    ['ada@-example.com'],
    ['ada..lovelace@example.com'],
    ['.ada@example.com'],
    ['ada lovelace@example.com'],
    ['"quoted"@example.com'],
    ['ada@exa mple.com'],
    ['ada@example.com\n'.repeat(1) + 'x'],
    [`${'a'.repeat(65)}@example.com`],
    [`ada@${'a'.repeat(250)}.com`],
  ])('refuses %j naming the field', (raw) => {
    expect(() => normalizeEmail(raw)).toThrow(/^email: /);
  });
});

describe('normalizeDisplayName', () => {
  it('trims, collapses whitespace and composes Unicode', () => {
    expect(normalizeDisplayName('  Ada   Lovelace ')).toBe('Ada Lovelace');
    expect(normalizeDisplayName('Jose\u0301')).toBe('José');
  });

  it.each([
    ['', /is required/],
    ['   ', /is required/],
    ['Ada\u0000', /control characters/],
    ['Ada\u202eecaL', /control characters/],
    ['Zoë Ng', null],
    ['x'.repeat(101), /at most 100/],
  ])('checks %j', (raw, error) => {
    if (error) expect(() => normalizeDisplayName(raw)).toThrow(error);
    else expect(() => normalizeDisplayName(raw)).not.toThrow();
  });
});
