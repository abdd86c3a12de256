import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { AUDIT_OUTCOMES } from '../chain/audit-record.js';
import type { IngestorMetrics } from './audit-ingestor.js';

/**
 * `audit_batch_write_seconds` (histogram), `audit_events_ingested_total{outcome}` (three label
 * values at most) and `audit_chain_length` (the last seq). Consumer lag is not exported: the
 * EventBus interface does not expose offsets (docs/services/audit.md).
 */
export function registerIngestorMetrics(registry: Registry): IngestorMetrics {
  const batchSeconds = new Histogram({
    name: 'audit_batch_write_seconds',
    help: 'Time to chain and write one batch of audit rows to the store.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const ingested = new Counter({ name: 'audit_events_ingested_total', help: 'Audit rows written, by outcome.', labelNames: ['outcome'], registers: [registry] });
  for (const outcome of AUDIT_OUTCOMES) ingested.inc({ outcome }, 0);
  const chainLength = new Gauge({ name: 'audit_chain_length', help: 'Seq of the last chained audit row.', registers: [registry] });
  return {
    batchWritten: (seconds) => batchSeconds.observe(seconds),
    ingested: (outcome, count) => ingested.inc({ outcome }, count),
    chainLength: (seq) => chainLength.set(seq),
  };
}
