import { describe, expect, it } from 'vitest';
import { forEachInParallel } from './parallel-queue.js';

describe('forEachInParallel', () => {
  it('runs every item, never more than the concurrency at once', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachInParallel([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push(item);
      running -= 1;
    });
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
  });

  it('handles no items', async () => {
    await expect(forEachInParallel([], 4, () => Promise.resolve())).resolves.toBeUndefined();
  });
});
