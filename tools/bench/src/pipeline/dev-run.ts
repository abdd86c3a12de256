/**
 * Runs only items 6–8 against a platform of their own (port offset 8 700) on the production
 * engines, and prints the results as JSON: for working on these benchmarks without the whole
 * suite. `npx tsx tools/bench/src/pipeline/dev-run.ts` (COFFER_BENCH_QUICK=1 for a short run;
 * COFFER_BENCH_PROFILE_DIR=/dir to write a CPU profile of every service when it stops).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEngineEndpoints } from '@coffer/testing';
import { startBenchPlatform } from '../harness/bench-platform.js';
import { createProductionStorage } from '../harness/production-storage.js';
import { runPipelineBenchmarks } from './index.js';

const PIPELINE_DEV_PORT_OFFSET = 8_700;

const log = (line: string): void => {
  process.stdout.write(`[pipeline ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

async function main(): Promise<void> {
  const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
  const endpoints = loadEngineEndpoints({ cwd: rootDir });
  const storage = await createProductionStorage(endpoints);
  const workDir = mkdtempSync(join(tmpdir(), 'coffer-bench-pipeline-'));
  const profileDir = process.env['COFFER_BENCH_PROFILE_DIR'];
  const bench = await startBenchPlatform({
    rootDir,
    workDir,
    portOffset: PIPELINE_DEV_PORT_OFFSET,
    storageEnv: {
      ...storage.env,
      COFFER_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
      COFFER_WEBHOOK_ALLOW_HTTP: 'true',
      ...(profileDir === undefined ? {} : { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` }),
    },
    tearDownStorage: () => storage.tearDown(),
    log,
  });
  try {
    const results = await runPipelineBenchmarks({
      rootDir,
      gatewayUrl: bench.gatewayUrl,
      platform: bench.platform,
      ports: bench.ports,
      certDir: bench.certDir,
      env: bench.env,
      engines: { COFFER_TEST_KAFKA_BROKERS: endpoints.kafka.brokers.join(','), COFFER_TEST_CLICKHOUSE_URL: endpoints.clickhouse.url },
      signUp: (email) => bench.signUp(email),
      log,
    });
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await bench.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
