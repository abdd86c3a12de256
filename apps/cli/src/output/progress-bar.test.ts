import { describe, expect, it } from 'vitest';
import { ProgressBar, renderProgressLine, transferStats } from './progress-bar.js';

describe('transferStats', () => {
  it('computes the fraction, the mean rate and the time left', () => {
    expect(transferStats({ transferred: 25, total: 100, elapsedMs: 5000 })).toEqual({ fraction: 0.25, bytesPerSecond: 5, etaSeconds: 15 });
  });

  it('has no rate right at the start, and no ETA without a total', () => {
    expect(transferStats({ transferred: 10, total: 100, elapsedMs: 50 })).toEqual({ fraction: 0.1, bytesPerSecond: undefined, etaSeconds: undefined });
    expect(transferStats({ transferred: 10, total: undefined, elapsedMs: 1000 })).toEqual({ fraction: undefined, bytesPerSecond: 10, etaSeconds: undefined });
  });

  it('is done at (or beyond) the total, and for an empty file', () => {
    expect(transferStats({ transferred: 120, total: 100, elapsedMs: 1000 })).toMatchObject({ fraction: 1, etaSeconds: 0 });
    expect(transferStats({ transferred: 0, total: 0, elapsedMs: 0 }).fraction).toBe(1);
  });
});

describe('renderProgressLine', () => {
  it('shows the bar, percentage, bytes, rate and ETA within the width', () => {
    const line = renderProgressLine('put 1/3', { transferred: 1024 * 1024, total: 4 * 1024 * 1024, elapsedMs: 2000 }, 100);
    expect(line).toMatch(/^put 1\/3 \[#+\.+\]\s+25%\s+1\.0 MiB\/4\.0 MiB\s+512 KiB\/s\s+ETA 6s$/);
    expect(line.length).toBeLessThanOrEqual(100);
    expect(renderProgressLine('x', { transferred: 1024 * 1024, total: 4 * 1024 * 1024, elapsedMs: 2000 }, 30).length).toBeLessThanOrEqual(30);
  });
});

describe('ProgressBar', () => {
  it('redraws in place at most every interval, and clears itself', () => {
    const writes: string[] = [];
    let now = 0;
    const bar = new ProgressBar({ target: { write: (text: string) => writes.push(text), columns: 80 }, label: 'f', total: 100, now: () => now, intervalMs: 100 });
    bar.update(10);
    now = 50;
    bar.update(20);
    now = 150;
    bar.update(30);
    bar.update(40, true);
    expect(writes).toHaveLength(3);
    expect(writes.every((text) => text.startsWith('\r\x1b[2K'))).toBe(true);
    bar.log('skipped a');
    expect(writes.at(-1)).toBe('\r\x1b[2Kskipped a\n');
    bar.update(50);
    bar.finish();
    expect(writes.at(-1)).toBe('\r\x1b[2K');
  });
});
