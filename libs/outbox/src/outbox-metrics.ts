import { Gauge, type Registry } from 'prom-client';
import type { OutboxBacklog } from './outbox-relay.js';
import type { Logger } from '@coffer/platform';

/** Something that reports the outbox backlog (an OutboxRelay). */
export interface OutboxBacklogSource {
  backlog(): Promise<OutboxBacklog>;
}

/**
 * Registers `outbox_backlog_events` and `outbox_oldest_pending_age_seconds`, read from the
 * relay on every scrape (one query per scrape). When the query fails the gauges keep their
 * last values and the failure is logged: a scrape never fails because the database is slow.
 */
export function registerOutboxBacklogMetrics(registry: Registry, source: OutboxBacklogSource, logger: Logger): void {
  let pending: Promise<OutboxBacklog | undefined> | undefined;
  // Both gauges are read in one scrape; one query serves both.
  const read = (): Promise<OutboxBacklog | undefined> => {
    pending ??= source
      .backlog()
      .catch((error: unknown) => {
        logger.warn({ err: error }, 'reading the outbox backlog for metrics failed');
        return undefined;
      })
      .finally(() => {
        setImmediate(() => {
          pending = undefined;
        });
      });
    return pending;
  };
  new Gauge({
    name: 'outbox_backlog_events',
    help: 'Outbox rows not yet published to the event bus.',
    registers: [registry],
    async collect() {
      const backlog = await read();
      if (backlog !== undefined) this.set(backlog.count);
    },
  });
  new Gauge({
    name: 'outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest outbox row not yet published, in seconds (0 when none).',
    registers: [registry],
    async collect() {
      const backlog = await read();
      if (backlog !== undefined) this.set(backlog.oldestAgeSeconds);
    },
  });
}
