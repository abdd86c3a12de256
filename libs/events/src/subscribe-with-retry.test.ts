import { Writable } from 'node:stream';
import { AppError, createLogger } from '@coffer/platform';
import { describe, expect, it } from 'vitest';
import type { EventBus, SubscribeOptions, Subscription } from './event-bus.js';
import { subscribeWithRetry } from './subscribe-with-retry.js';

const logger = createLogger({ service: 'test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const options: SubscribeOptions = { group: 'g', topics: ['coffer.file.v1'], handler: () => Promise.resolve() };

/** A bus whose subscribe fails `failures` times (unavailable), then succeeds. */
function flakyBus(failures: number): EventBus & { attempts: number } {
  const subscription: Subscription = { stop: () => Promise.resolve() };
  const bus = {
    attempts: 0,
    topicNamespace: 'coffer',
    publish: () => Promise.resolve(),
    close: () => Promise.resolve(),
    subscribe: () => {
      bus.attempts += 1;
      return bus.attempts <= failures ? Promise.reject(new AppError('unavailable', { detail: 'The event bus is unavailable.' })) : Promise.resolve(subscription);
    },
  };
  return bus;
}

describe('subscribeWithRetry', () => {
  it('keeps trying while the bus does not answer, then returns the subscription', async () => {
    const bus = flakyBus(3);
    const subscription = await subscribeWithRetry(bus, options, { logger, initialDelayMs: 5, maxDelayMs: 20 });
    expect(bus.attempts).toBe(4);
    expect(subscription).toBeDefined();
  });

  it('stops retrying when aborted', async () => {
    const bus = flakyBus(1_000);
    const controller = new AbortController();
    const pending = subscribeWithRetry(bus, options, { logger, initialDelayMs: 5, maxDelayMs: 5, signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    await expect(pending).rejects.toThrow();
    const attempts = bus.attempts;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(bus.attempts).toBe(attempts);
  });
});
