import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CONSUMER_LAG_METRIC, registerConsumerLagMetrics, type ConsumerLag, type ConsumerLagSource } from './consumer-lag-metrics.js';

class FakeSource implements ConsumerLagSource {
  lags: ConsumerLag[] = [];
  failing = false;
  consumerLag(): Promise<readonly ConsumerLag[]> {
    return this.failing ? Promise.reject(new Error('brokers down')) : Promise.resolve(this.lags);
  }
}

async function lagOf(registry: Registry, group: string, topic: string): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(CONSUMER_LAG_METRIC)?.get();
  return metric?.values.find((value) => value.labels['group'] === group && value.labels['topic'] === topic)?.value;
}

describe('registerConsumerLagMetrics', () => {
  it('reports what the sources read on scrape, keeps the last values when a read fails, and forgets a removed source', async () => {
    const registry = new Registry();
    const audit = new FakeSource();
    const webhook = new FakeSource();
    const removeAudit = registerConsumerLagMetrics(registry, audit);
    registerConsumerLagMetrics(registry, webhook);

    audit.lags = [{ group: 'audit', topic: 'coffer.file.v1', lag: 7 }];
    webhook.lags = [{ group: 'webhook', topic: 'coffer.file.v1', lag: 2 }];
    expect(await lagOf(registry, 'audit', 'coffer.file.v1')).toBe(7);
    expect(await lagOf(registry, 'webhook', 'coffer.file.v1')).toBe(2);

    audit.failing = true;
    webhook.lags = [{ group: 'webhook', topic: 'coffer.file.v1', lag: 0 }];
    expect(await lagOf(registry, 'audit', 'coffer.file.v1')).toBe(7);
    expect(await lagOf(registry, 'webhook', 'coffer.file.v1')).toBe(0);

    removeAudit();
    expect(await lagOf(registry, 'audit', 'coffer.file.v1')).toBeUndefined();
    expect(await registry.metrics()).toContain(`${CONSUMER_LAG_METRIC}{group="webhook",topic="coffer.file.v1"} 0`);
  });
});
