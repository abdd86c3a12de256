import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatTable, formatTimestamp, remotePath } from './format.js';

describe('format', () => {
  it('formats bytes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(200 * 1024 * 1024)).toBe('200 MiB');
    expect(formatBytes(-1)).toBe('?');
  });

  it('formats durations for an ETA', () => {
    expect(formatDuration(4.4)).toBe('4s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(3720)).toBe('1h02m');
    expect(formatDuration(undefined)).toBe('?');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('?');
  });

  it('formats timestamps and paths', () => {
    expect(formatTimestamp('2026-11-26T19:54:18.123Z')).toBe('2026-11-26 19:54:18Z');
    expect(formatTimestamp(undefined)).toBe('-');
    expect(remotePath('/', 'a.txt')).toBe('/a.txt');
    expect(remotePath('/docs', 'a.txt')).toBe('/docs/a.txt');
  });

  it('aligns table columns', () => {
    expect(formatTable(['ID', 'NAME'], [['1', 'short'], ['1234', 'x']])).toBe('ID    NAME\n1     short\n1234  x');
  });
});
