import { Kafka, logLevel } from 'kafkajs';
import type { EngineEndpoints } from './engine-endpoints.js';
import { loadEngineEndpoints } from './engine-endpoints.js';
import { requireEngine } from './require-engine.js';

/**
 * Fails (never skips) when the test Kafka broker does not answer `describeCluster`. The probe
 * client has no retries and no logs, so a missing broker fails at once with the connection error.
 */
export async function requireKafka(endpoints: EngineEndpoints = loadEngineEndpoints()): Promise<void> {
  const probeClient = new Kafka({
    clientId: 'coffer-test-probe',
    brokers: [...endpoints.kafka.brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    retry: { retries: 0 },
  });
  await requireEngine(
    'kafka',
    async () => {
      const probe = probeClient.admin();
      try {
        await probe.connect();
        return await probe.describeCluster();
      } finally {
        await probe.disconnect();
      }
    },
    { endpoints },
  );
}
