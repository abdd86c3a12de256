import { describe, expect, it } from 'vitest';
import { parseDurationSeconds, parseExpiresAt, parseExpiresInSeconds, parseSince } from './time-input.js';

const NOW = Date.parse('2026-11-26T12:00:00.000Z');

describe('time input', () => {
  it('parses durations', () => {
    expect(parseDurationSeconds('90s')).toBe(90);
    expect(parseDurationSeconds('30m')).toBe(1800);
    expect(parseDurationSeconds('1d12h')).toBe(129_600);
    expect(parseDurationSeconds('2w')).toBe(1_209_600);
    expect(parseDurationSeconds('7')).toBeUndefined();
    expect(parseDurationSeconds('soon')).toBeUndefined();
  });

  it('--expires: a duration from now or a future time', () => {
    expect(parseExpiresAt('7d', NOW)).toBe('2026-12-03T12:00:00.000Z');
    expect(parseExpiresAt('2026-12-31T18:00:00Z', NOW)).toBe('2026-12-31T18:00:00.000Z');
    expect(() => parseExpiresAt('2020-01-01', NOW)).toThrow(/future/);
    expect(() => parseExpiresAt('tomorrow', NOW)).toThrow(/duration/);
  });

  it('link lifetimes stay within 1 minute and 30 days', () => {
    expect(parseExpiresInSeconds('1h', NOW)).toBe(3600);
    expect(parseExpiresInSeconds('2026-11-27T12:00:00Z', NOW)).toBe(86_400);
    expect(() => parseExpiresInSeconds('30s', NOW)).toThrow(/1m to 30d/);
    expect(() => parseExpiresInSeconds('31d', NOW)).toThrow(/1m to 30d/);
  });

  it('--since: a duration ago or a time', () => {
    expect(parseSince('1h', NOW, '--since')).toBe('2026-11-26T11:00:00.000Z');
    expect(parseSince('2026-11-01', NOW, '--since')).toBe('2026-11-01T00:00:00.000Z');
    expect(() => parseSince('yesterday', NOW, '--since')).toThrow(/--since/);
  });
});
