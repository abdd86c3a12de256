import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorRate, leakVerdict, parseRssKiB, pickConcurrency, sampleProcess } from './process-sample.js';

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

describe('leakVerdict', () => {
  const at = (rssMiB: number, openFds: number) => ({ pid: 1, rssKiB: rssMiB * 1024, openFds });

  it('calls a process flat that grew during warm-up and then held', () => {
    const verdict = leakVerdict([at(60, 20), at(90, 30), at(95, 31), at(96, 31), at(97, 32)]);
    expect(verdict).toMatchObject({ flat: true, rssGrowthKiB: 2 * 1024, fdGrowth: 1 });
  });

  it('calls steady growth in the second half a leak, of memory or of descriptors', () => {
    expect(leakVerdict([at(60, 20), at(80, 20), at(100, 20), at(120, 20), at(140, 20)]).flat).toBe(false);
    expect(leakVerdict([at(60, 20), at(60, 40), at(60, 60), at(60, 80), at(60, 100)])).toMatchObject({ flat: false, fdGrowth: 40 });
  });

  it('needs at least three samples', () => {
    expect(() => leakVerdict([at(1, 1), at(1, 1)])).toThrow(/3 samples/);
  });
});
