import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Logger } from '@coffer/platform';
import type { QueueStats } from './subscriptions/webhook-repository.js';

/** How one attempt ended (a bounded label). */
export type AttemptOutcome = 'succeeded' | 'failed' | 'dead' | 'gone' | 'refused';

/** The webhook service's own metrics. */
export class WebhookMetrics {
  readonly #attempts: Counter<'outcome'>;
  readonly #duration: Histogram<'outcome'>;
  readonly #dispatchLag: Histogram;
  readonly #disabled: Counter<'reason'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#attempts = new Counter({
      name: 'webhook_deliveries_total',
      help: 'Delivery attempts by outcome: succeeded (2xx), failed (will retry), dead (schedule used up), gone (410), refused (address not allowed).',
      labelNames: ['outcome'],
      registers,
    });
    this.#duration = new Histogram({
      name: 'webhook_delivery_duration_seconds',
      help: 'Time of one delivery attempt, request sent to response read, by outcome.',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.#dispatchLag = new Histogram({
      name: 'webhook_dispatch_lag_seconds',
      help: 'From the delivery being written to the start of its first attempt.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.#disabled = new Counter({ name: 'webhook_endpoints_disabled_total', help: 'Endpoints the platform disabled, by reason.', labelNames: ['reason'], registers });
    for (const outcome of ['succeeded', 'failed', 'dead', 'gone', 'refused'] as const) this.#attempts.inc({ outcome }, 0);
    for (const reason of ['gone', 'failing'] as const) this.#disabled.inc({ reason }, 0);
  }

  attempt(outcome: AttemptOutcome, seconds: number): void {
    this.#attempts.inc({ outcome });
    this.#duration.observe({ outcome }, seconds);
  }

  firstAttemptLag(seconds: number): void {
    this.#dispatchLag.observe(Math.max(0, seconds));
  }

  endpointDisabled(reason: 'gone' | 'failing'): void {
    this.#disabled.inc({ reason });
  }
}

/**
 * `webhook_queue_depth`, `webhook_oldest_pending_age_seconds` and `webhook_oldest_due_age_seconds`,
 * read from the database on each scrape (one query for all three).
 */
export function registerQueueMetrics(registry: Registry, stats: () => Promise<QueueStats>, logger: Logger): void {
  let pending: Promise<QueueStats | undefined> | undefined;
  const read = (): Promise<QueueStats | undefined> => {
    pending ??= stats()
      .catch((error: unknown) => {
        logger.warn({ err: error }, 'reading the webhook queue for metrics failed');
        return undefined;
      })
      .finally(() => setImmediate(() => (pending = undefined)));
    return pending;
  };
  new Gauge({
    name: 'webhook_queue_depth',
    help: 'Deliveries waiting to be sent (pending, of enabled endpoints).',
    registers: [registry],
    async collect() {
      const value = await read();
      if (value !== undefined) this.set(value.depth);
    },
  });
  new Gauge({
    name: 'webhook_oldest_pending_age_seconds',
    help: 'Age of the oldest delivery waiting to be sent, seconds (0 when none).',
    registers: [registry],
    async collect() {
      const value = await read();
      if (value !== undefined) this.set(value.oldestPendingAgeSeconds);
    },
  });
  new Gauge({
    name: 'webhook_oldest_due_age_seconds',
    help: 'How late the most overdue delivery is, seconds (0 when every due delivery is being sent): grows only when the workers fall behind.',
    registers: [registry],
    async collect() {
      const value = await read();
      if (value !== undefined) this.set(value.oldestDueAgeSeconds);
    },
  });
}
