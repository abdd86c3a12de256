import { describe, expect, it } from 'vitest';
import { cpuSecondsOf, describeCpuPerRequest } from './process-cpu.js';

describe('describeCpuPerRequest', () => {
  it('divides each process’s CPU by the requests, largest first, and totals them', () => {
    expect(describeCpuPerRequest({ gateway: 1, file: 2, idle: 5 }, { gateway: 3, file: 3, idle: 5 }, 1000)).toBe(
      'CPU per request 3.00 ms in all (gateway 2.00, file 1.00), from /proc/<pid>/stat over the Coffer runs',
    );
    expect(describeCpuPerRequest({}, {}, 0)).toBe('no requests completed');
  });
});

describe('cpuSecondsOf', () => {
  it('reads this process’s CPU time', () => {
    expect(cpuSecondsOf(process.pid)).toBeGreaterThanOrEqual(0);
  });
});
