import { describe, expect, it } from 'vitest';
import { keepInFlight, oneAtATime } from './unary-load.js';

const after = (ms: number) => () => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('oneAtATime', () => {
  it('makes calls back to back and times each', async () => {
    const latencies = await oneAtATime(after(20), 0.2);
    // Timers run late on a busy machine: bounds only, no exact count.
    expect(latencies.length).toBeGreaterThanOrEqual(1);
    expect(latencies.length).toBeLessThanOrEqual(11);
    for (const ms of latencies) expect(ms).toBeGreaterThanOrEqual(15);
  });
});

describe('keepInFlight', () => {
  it('keeps that many calls outstanding: the rate scales with it', async () => {
    let outstanding = 0;
    let most = 0;
    const call = async (): Promise<void> => {
      outstanding += 1;
      most = Math.max(most, outstanding);
      await after(20)();
      outstanding -= 1;
    };
    const { ratePerSecond, latenciesMs } = await keepInFlight(call, 10, 0.3);
    expect(most).toBe(10);
    // At most 10 calls per 20 ms; timers run late on a busy machine, so no lower bound beyond progress.
    expect(ratePerSecond).toBeGreaterThan(0);
    expect(ratePerSecond).toBeLessThan(600);
    expect(latenciesMs.length).toBeGreaterThanOrEqual(10);
  });
});
