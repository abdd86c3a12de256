import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { FULL_MATRIX, CI_SUBSET } from './index.js';
import { parsePidFile } from './targets.js';

describe('parsePidFile', () => {
  it('reads the first line of a PostgreSQL lock file and a plain pid file', () => {
    expect(parsePidFile('914\n/work/main/.coffer/engines/postgres/data\n1764198000\n55432\n')).toBe(914);
    expect(parsePidFile('965\n')).toBe(965);
    // This process's own status file names its pid the same way: a real input.
    const own = /Pid:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '';
    expect(parsePidFile(`${own}\n`)).toBe(process.pid);
  });

  it('refuses an empty file and pid 1 (signalling init would take the machine down)', () => {
    expect(() => parsePidFile('')).toThrow(/not a pid file/);
    expect(() => parsePidFile('1\n')).toThrow(/not a pid file/);
  });
});

describe('the fault matrix', () => {
  it('has every target with both signals, and a CI subset inside it', () => {
    expect(FULL_MATRIX).toHaveLength(26);
    expect(new Set(FULL_MATRIX.map((f) => `${f.signal} ${f.target}`)).size).toBe(26);
    for (const fault of CI_SUBSET) expect(FULL_MATRIX).toContainEqual(fault);
  });
});
