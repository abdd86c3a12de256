import { collectDefaultMetrics, Registry } from 'prom-client';

/** Latency buckets (seconds) for RPC and HTTP handling: 1 ms to 30 s. */
export const latencyBuckets: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * One registry per service (never prom-client's global one), with the process and Node.js
 * default metrics and a constant `service` label.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
