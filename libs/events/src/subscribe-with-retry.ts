import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@coffer/platform';
import type { EventBus, SubscribeOptions, Subscription } from './event-bus.js';

/** Options of {@link subscribeWithRetry}. */
export interface SubscribeRetryOptions {
  readonly logger: Logger;
  /** Aborting stops the retries; the promise then rejects. */
  readonly signal?: AbortSignal;
  /** First pause after a failed attempt, doubled each time. Default 1 s. */
  readonly initialDelayMs?: number;
  /** Longest pause. Default 15 s. */
  readonly maxDelayMs?: number;
}

/**
 * Subscribes, trying again with backoff for as long as it takes while the bus does not answer
 * (a broker down at start-up, or stopped while a consumer was still joining its group). A
 * consumer that gave up instead would take its service down with the broker; this way the
 * service stays up, reports itself not ready, and starts consuming when the broker is back —
 * from its committed offsets, so nothing published meanwhile is missed.
 */
export async function subscribeWithRetry(bus: EventBus, subscribe: SubscribeOptions, options: SubscribeRetryOptions): Promise<Subscription> {
  const initial = options.initialDelayMs ?? 1_000;
  const max = options.maxDelayMs ?? 15_000;
  for (let attempt = 1; ; attempt += 1) {
    options.signal?.throwIfAborted();
    try {
      const subscription = await bus.subscribe(subscribe);
      if (attempt > 1) options.logger.info({ group: subscribe.group, attempts: attempt }, 'event bus subscription established after retrying');
      return subscription;
    } catch (error) {
      const delayMs = Math.min(max, initial * 2 ** (attempt - 1));
      options.logger.warn({ err: error, group: subscribe.group, attempt, retry_in_ms: delayMs }, 'subscribing to the event bus failed; retrying');
      await sleep(delayMs, undefined, options.signal ? { signal: options.signal } : {});
    }
  }
}
