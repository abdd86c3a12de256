import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorRate, parseRssKiB, pickConcurrency, sampleProcess } from './process-sample.js';

describe('parseRssKiB', () => {
  it('reads VmRSS from a real /proc status file', () => {
    const status = readFileSync('/proc/self/status', 'utf8');
    const rss = parseRssKiB(status);
    expect(rss).toBeGreaterThan(1_000);
    expect(rss).toBe(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]));
  });

  it('fails on a status text without VmRSS (a kernel thread)', () => {
    expect(() => parseRssKiB('Name:\tkthreadd\nState:\tS (sleeping)\n')).toThrow(/VmRSS/);
  });
});

describe('sampleProcess', () => {
  it('counts open descriptors: one more after opening a file', async () => {
    const { open } = await import('node:fs/promises');
    const before = sampleProcess(process.pid);
    const handle = await open('/proc/self/status', 'r');
    try {
      expect(sampleProcess(process.pid).openFds).toBe(before.openFds + 1);
    } finally {
      await handle.close();
    }
  });
});

describe('pickConcurrency', () => {
  it('takes the fastest step within the 0.1 % error budget', () => {
    const steps = [
      { concurrency: 2, requestsPerSecond: 40, requests: 800, errors: 0 },
      { concurrency: 4, requestsPerSecond: 70, requests: 1_400, errors: 1 },
      { concurrency: 8, requestsPerSecond: 90, requests: 1_800, errors: 2 },
      { concurrency: 16, requestsPerSecond: 85, requests: 1_700, errors: 0 },
    ];
    expect(errorRate(steps[2] ?? { requests: 0, errors: 0 })).toBeGreaterThan(0.001);
    expect(pickConcurrency(steps)).toBe(16);
    expect(pickConcurrency(steps.slice(0, 3))).toBe(4);
  });

  it('has no answer when every step is over budget or did nothing', () => {
    expect(pickConcurrency([{ concurrency: 2, requestsPerSecond: 0, requests: 0, errors: 0 }, { concurrency: 4, requestsPerSecond: 9, requests: 100, errors: 1 }])).toBeUndefined();
  });
});
