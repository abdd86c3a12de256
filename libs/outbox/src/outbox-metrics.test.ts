import { Writable } from 'node:stream';
import { createLogger, createMetricsRegistry } from '@coffer/platform';
import { describe, expect, it } from 'vitest';
import { registerOutboxBacklogMetrics } from './outbox-metrics.js';

const silent = createLogger({ service: 'outbox-test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

describe('outbox backlog metrics', () => {
  it('reads the backlog on scrape, once for both gauges', async () => {
    const registry = createMetricsRegistry('metadata');
    let calls = 0;
    registerOutboxBacklogMetrics(registry, { backlog: () => Promise.resolve({ count: (calls += 1) * 7, oldestAgeSeconds: 2.5 }) }, silent);
    const text = await registry.metrics();
    expect(text).toMatch(/^outbox_backlog_events(\{[^}]*\})? 7$/m);
    expect(text).toMatch(/^outbox_oldest_pending_age_seconds(\{[^}]*\})? 2\.5$/m);
    expect(calls).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await registry.metrics()).toMatch(/^outbox_backlog_events(\{[^}]*\})? 14$/m);
  });

  it('keeps the scrape working when the backlog cannot be read', async () => {
    const registry = createMetricsRegistry('metadata');
    registerOutboxBacklogMetrics(registry, { backlog: () => Promise.reject(new Error('database down')) }, silent);
    await expect(registry.metrics()).resolves.toContain('outbox_backlog_events');
  });
});
