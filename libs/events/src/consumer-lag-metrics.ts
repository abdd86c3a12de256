import type { Logger } from '@coffer/platform';
import { Gauge, type Registry } from 'prom-client';

/** Name of the consumer-lag gauge. */
export const CONSUMER_LAG_METRIC = 'event_consumer_lag_events';

/** The lag of one consumer group on one topic: events behind the high watermark, summed over partitions. */
export interface ConsumerLag {
  readonly group: string;
  readonly topic: string;
  readonly lag: number;
}

/** Something that can tell the lag of the groups it consumes in (a Kafka bus). */
export interface ConsumerLagSource {
  consumerLag(): Promise<readonly ConsumerLag[]>;
}

/** Longest a scrape waits for the brokers; after that it reports the last values it had. */
const SCRAPE_TIMEOUT_MS = 2_000;

interface Registration {
  readonly sources: Set<ConsumerLagSource>;
  /** What each source reported at its last successful read. */
  readonly last: Map<ConsumerLagSource, readonly ConsumerLag[]>;
}

const registrations = new WeakMap<Registry, Registration>();

/**
 * Registers `event_consumer_lag_events{group,topic}` on `registry` (once per registry; further
 * sources join the same gauge) and returns a function that removes `source` again. The lag is
 * read from the brokers when Prometheus scrapes, so it is right while the consumers are
 * stopped or stuck too, which is when it matters. Labels are bounded: the groups and topics
 * this process subscribes to (configuration, not data). When the brokers do not answer within
 * 2 s the gauge keeps the last values it read.
 */
export function registerConsumerLagMetrics(registry: Registry, source: ConsumerLagSource, logger?: Logger): () => void {
  let registration = registrations.get(registry);
  if (registration === undefined) {
    const state: Registration = { sources: new Set(), last: new Map() };
    registration = state;
    registrations.set(registry, state);
    new Gauge({
      name: CONSUMER_LAG_METRIC,
      help: 'Events the consumer group has not committed yet: the high watermark minus the committed offset, summed over partitions.',
      labelNames: ['group', 'topic'],
      registers: [registry],
      async collect() {
        await Promise.all(
          [...state.sources].map(async (lagSource) => {
            try {
              state.last.set(lagSource, await withTimeout(lagSource.consumerLag(), SCRAPE_TIMEOUT_MS));
            } catch (error) {
              logger?.warn({ err: error }, 'reading the consumer lag failed; reporting the last values');
            }
          }),
        );
        this.reset();
        for (const lags of state.last.values()) for (const lag of lags) this.set({ group: lag.group, topic: lag.topic }, lag.lag);
      },
    });
  }
  const { sources, last } = registration;
  sources.add(source);
  return () => {
    sources.delete(source);
    last.delete(source);
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
