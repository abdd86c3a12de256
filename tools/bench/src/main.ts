/**
 * `make bench`: runs issue 10's suite against the production-like stack (PostgreSQL, Redis,
 * Kafka, S3 server and ClickHouse on loopback) and writes docs/benchmarks.md and
 * docs/benchmarks/results.json. Every Coffer figure is measured beside its baseline in the
 * same run. Not part of `make test`: nothing here asserts on timing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emptyAndRemoveBucket } from '@coffer/dev-platform';
import { ALL_SERVICES } from '@coffer/platform';
import { loadEngineEndpoints } from '@coffer/testing';
import type { BenchResult } from './bench-result.js';
import { parseBenchOptions, selects, type BenchOptions } from './bench-options.js';
import { LOCAL_WEBHOOK_RECEIVER, RAISED_LIMITS, startBenchPlatform, type BenchPlatform, type PipelineContext } from './harness/bench-platform.js';
import { requireEnginesUp } from './harness/engine-status.js';
import { describeMachine } from './harness/machine.js';
import { memoryOf } from './harness/process-memory.js';
import { createProductionStorage } from './harness/production-storage.js';
import { runPipelineBenchmarks } from './pipeline/index.js';
import { findingsFor } from './report/findings.js';
import { renderReport } from './report/render-report.js';
import { runMetadataGetBenchmark } from './requests/metadata-gets.js';
import { runSmallObjectBenchmarks } from './requests/small-objects.js';
import { runLargeTransfersOnS3, runLargeUploadOnFilesystem } from './transfers/large-transfers.js';
import { uploadThroughGateway } from './transfers/large-transfers.js';

const PRODUCTION_PORT_OFFSET = 8_000;
const EMBEDDED_PORT_OFFSET = 8_500;

const log = (line: string): void => {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

/** With --cpu-prof, every service writes a V8 CPU profile (named by pid) when it exits. */
function profiling(options: BenchOptions): Record<string, string> {
  if (options.cpuProfileDir === undefined) return {};
  mkdirSync(options.cpuProfileDir, { recursive: true });
  const preload = fileURLToPath(new URL('./harness/cpu-profiler-preload.js', import.meta.url));
  return { NODE_OPTIONS: `--import=${preload}`, COFFER_BENCH_CPU_PROFILE_DIR: resolve(options.cpuProfileDir) };
}

/** Runs one part of the suite; a failure is logged and reported as "not measured", never hidden. */
async function part(name: string, skipped: string[], results: BenchResult[], run: () => Promise<BenchResult[]>): Promise<void> {
  log(`${name}…`);
  const started = Date.now();
  try {
    results.push(...(await run()));
    log(`${name}: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`${name}: FAILED: ${message}`);
    skipped.push(`${name}: failed — ${message.split('\n')[0] ?? ''}`);
  }
}

/** Idle RSS of every service, a few seconds after the platform became healthy (item 9). */
async function idleMemory(bench: BenchPlatform): Promise<BenchResult[]> {
  await new Promise((resolveSettle) => setTimeout(resolveSettle, 5_000));
  return ALL_SERVICES.map((service) => ({
    id: `rss-idle-${service}`,
    section: 9,
    title: `Idle RSS: ${service}`,
    coffer: { unit: 'MiB', samples: [memoryOf(bench.platform.process(service).pid ?? 0).rssMiB] },
    higherIsBetter: false,
    notes: [],
  }));
}

async function runOnProductionEngines(rootDir: string, options: BenchOptions, results: BenchResult[], skipped: string[]): Promise<void> {
  const endpoints = loadEngineEndpoints({ cwd: rootDir });
  const storage = await createProductionStorage(endpoints);
  const workDir = mkdtempSync(join(tmpdir(), 'coffer-bench-'));
  log(`starting the platform on the production engines (port offset ${PRODUCTION_PORT_OFFSET})`);
  const directBucket = `${storage.bucket}-direct`;
  const bench = await startBenchPlatform({ rootDir, workDir, portOffset: PRODUCTION_PORT_OFFSET, storageEnv: { ...storage.env, ...profiling(options) }, tearDownStorage: () => storage.tearDown(), log });
  if (options.cpuProfileDir !== undefined) log(`CPU profiles in ${options.cpuProfileDir}: ${ALL_SERVICES.map((service) => `${service}=${bench.platform.process(service).pid ?? '?'}`).join(' ')}`);
  try {
    if (selects(options, 9)) await part('9: idle RSS', skipped, results, () => idleMemory(bench));
    const pids = { gateway: bench.platform.process('gateway').pid ?? 0, file: bench.platform.process('file').pid ?? 0 };
    const allPids = Object.fromEntries(ALL_SERVICES.map((service) => [service, bench.platform.process(service).pid ?? 0]));
    if (selects(options, 1, 2, 9)) {
      await part('1, 2, 9: large transfers on S3', skipped, results, async () => {
        const { accessToken } = await bench.signUp('bench-large@example.com');
        return runLargeTransfersOnS3({ gatewayUrl: bench.gatewayUrl, accessToken, bytes: options.transferBytes, repetitions: options.transferRepetitions, pids, allPids, s3: storage.s3, directBucket, log });
      });
    }
    if (selects(options, 3, 4)) {
      await part('3, 4: 4 KiB downloads and uploads', skipped, results, async () => {
        const { accessToken } = await bench.signUp('bench-small@example.com');
        const all = await runSmallObjectBenchmarks({
          gatewayUrl: bench.gatewayUrl,
          accessToken,
          s3: storage.s3,
          s3Endpoint: endpoints.s3.endpoint,
          directBucket,
          durationSeconds: options.loadSeconds,
          repetitions: options.loadRepetitions,
          downloadConcurrencies: [1, 8, 32],
          uploadConcurrency: 8,
          pids: allPids,
          log,
        });
        return all.filter((result) => selects(options, result.section));
      });
    }
    if (selects(options, 5)) {
      await part('5: metadata GETs', skipped, results, async () => {
        const { accessToken } = await bench.signUp('bench-metadata@example.com');
        const fileIds: string[] = [];
        for (let index = 0; index < 16; index += 1) {
          fileIds.push((await uploadThroughGateway({ gatewayUrl: bench.gatewayUrl, accessToken, bytes: 1024, block: Buffer.alloc(1024, index), name: `meta-${index}.bin` })).id);
        }
        return runMetadataGetBenchmark({
          gatewayUrl: bench.gatewayUrl,
          accessToken,
          fileIds,
          barePort: bench.ports.gatewayHttp + 100,
          connections: 8,
          durationSeconds: options.loadSeconds,
          repetitions: options.loadRepetitions,
          pids: allPids,
          log,
        });
      });
    }
    if (selects(options, 6, 7, 8)) {
      const context: PipelineContext = {
        rootDir,
        gatewayUrl: bench.gatewayUrl,
        platform: bench.platform,
        ports: bench.ports,
        certDir: bench.certDir,
        env: bench.env,
        engines: Object.fromEntries(
          Object.entries({
            COFFER_TEST_POSTGRES_URL: endpoints.postgres.url,
            COFFER_TEST_REDIS_URL: endpoints.redis.url,
            COFFER_TEST_KAFKA_BROKERS: endpoints.kafka.brokers.join(','),
            COFFER_TEST_S3_ENDPOINT: endpoints.s3.endpoint,
            COFFER_TEST_S3_ACCESS_KEY: endpoints.s3.accessKey,
            COFFER_TEST_S3_SECRET_KEY: endpoints.s3.secretKey,
            COFFER_TEST_S3_REGION: endpoints.s3.region,
            COFFER_TEST_CLICKHOUSE_URL: endpoints.clickhouse.url,
          }),
        ),
        signUp: (email) => bench.signUp(email),
        log,
      };
      await part('6, 7, 8: events, webhooks, internal gRPC', skipped, results, async () =>
        (await runPipelineBenchmarks(context)).filter((result) => selects(options, result.section)),
      );
    }
  } finally {
    log('stopping the platform on the production engines');
    await bench.stop();
    // A failed clean-up costs a leftover bucket, never the report of the run.
    await emptyAndRemoveBucket(storage.s3, directBucket).catch((error: unknown) => log(`could not remove the baseline bucket ${directBucket}: ${String(error)}`));
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function runOnFilesystemStore(rootDir: string, options: BenchOptions, results: BenchResult[], skipped: string[]): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'coffer-bench-fs-'));
  log(`starting the platform on the embedded defaults (port offset ${EMBEDDED_PORT_OFFSET})`);
  try {
    // Inside part(): a platform that does not come up costs this row, not the whole report.
    await part('1: large upload on the filesystem store', skipped, results, async () => {
      const bench = await startBenchPlatform({ rootDir, workDir, portOffset: EMBEDDED_PORT_OFFSET, storageEnv: profiling(options), tearDownStorage: () => Promise.resolve(), log });
      try {
        if (options.cpuProfileDir !== undefined) log(`CPU profiles in ${options.cpuProfileDir}: ${ALL_SERVICES.map((service) => `${service}=${bench.platform.process(service).pid ?? '?'}`).join(' ')}`);
        const { accessToken } = await bench.signUp('bench-fs@example.com');
        const scratchDir = join(workDir, 'raw');
        mkdirSync(scratchDir);
        const pids = { gateway: bench.platform.process('gateway').pid ?? 0, file: bench.platform.process('file').pid ?? 0 };
        return await runLargeUploadOnFilesystem({ gatewayUrl: bench.gatewayUrl, accessToken, bytes: options.transferBytes, repetitions: options.transferRepetitions, pids, scratchDir, log });
      } finally {
        await bench.stop();
      }
    });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  // The pipeline benchmarks (items 6–8) read quick mode from the environment.
  if (options.quick) process.env['COFFER_BENCH_QUICK'] = '1';
  const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  process.chdir(rootDir);
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg();
  const engines = await requireEnginesUp(rootDir);
  log(`engines up: ${Object.values(engines).join(', ')}`);

  const results: BenchResult[] = [];
  const skipped: string[] = [];
  if (options.only !== undefined) skipped.push(`sections ${[1, 2, 3, 4, 5, 6, 7, 8, 9].filter((section) => !options.only?.has(section)).join(', ')}: left out with --only`);
  await runOnProductionEngines(rootDir, options, results, skipped);
  if (selects(options, 1)) await runOnFilesystemStore(rootDir, options, results, skipped);

  const argv = process.argv.slice(2).join(' ');
  const run = {
    startedAt,
    finishedAt: new Date().toISOString(),
    command: `make bench${argv ? `   # node tools/bench/dist/main.js ${argv}` : '   # node tools/bench/dist/main.js'}`,
    quick: options.quick,
    machine: describeMachine(loadAtStart),
    engines: { PostgreSQL: engines['postgres'] ?? '?', Redis: engines['redis'] ?? '?', Kafka: engines['kafka'] ?? '?', 'S3 server': engines['s3'] ?? '?', ClickHouse: engines['clickhouse'] ?? '?' },
    setup: [
      `The platform on the production engines: a fresh PostgreSQL database, S3 bucket and ClickHouse database, Kafka for events, Redis for rate limits and sessions; all eight services as separate processes over mTLS (port offset ${PRODUCTION_PORT_OFFSET}).`,
      `The filesystem row of item 1: a second platform on the embedded defaults (PGlite, filesystem store, embedded bus; port offset ${EMBEDDED_PORT_OFFSET}), run after the first has stopped.`,
      `Limits raised so they do not cap the load: ${Object.entries(RAISED_LIMITS).map(([key, value]) => `${key}=${value}`).join(', ')}. Webhooks may go to the local plain-HTTP receiver: ${Object.entries(LOCAL_WEBHOOK_RECEIVER).map(([key, value]) => `${key}=${value}`).join(', ')}. Everything else is the production default (COFFER_VERIFY_ON_READ=true among them).`,
      'Direct baselines go to a separate bucket on the same S3 server (the file service reconciles its own bucket and would treat foreign objects as orphans).',
    ],
    method: [
      `Big transfers: ${options.transferBytes / 1024 ** 2} MiB of random bytes (one 1 MiB random block repeated, streamed, never held whole), one 64 MiB warm-up each way and side, then ${options.transferRepetitions} repetitions, baseline first in each.`,
      `Load tests: autocannon 9 in the bench process, ${options.loadSeconds} s per run after a warm-up run of each side, ${options.loadRepetitions} repetitions alternating baseline and Coffer. A run fails if more than 0.1 % of answers are not 2xx.`,
      'Concurrency: 1, 8 and 32 connections for 4 KiB downloads; 8 for 4 KiB uploads and for metadata GETs.',
      'The direct S3 load baselines use presigned GET/PUT URLs signed once before the run, as Coffer pays token verification once per request (cached) rather than a SigV4 signature.',
      'Medians over repetitions; the spread column is min–max over repetitions. Percentiles within a run come from autocannon’s HDR histogram, which records whole milliseconds.',
      'CPU per request (in the notes) is each service’s user + system CPU time from /proc/<pid>/stat over the Coffer runs, divided by the requests answered.',
    ],
    findings: findingsFor(results),
    skipped,
  };
  const docsDir = join(rootDir, 'docs');
  mkdirSync(join(docsDir, 'benchmarks'), { recursive: true });
  writeFileSync(join(docsDir, 'benchmarks.md'), renderReport(run, results));
  writeFileSync(join(docsDir, 'benchmarks', 'results.json'), `${JSON.stringify({ run, results }, null, 2)}\n`);
  log(`wrote docs/benchmarks.md and docs/benchmarks/results.json (${results.length} results, ${skipped.length} notes on what did not run)`);
}

// A stray rejection in one benchmark (a client library failing outside any await) must not
// take the whole run, and the platform's processes, down with it: log it and carry on.
process.on('unhandledRejection', (reason) => log(`unhandled rejection (ignored): ${reason instanceof Error ? reason.message : String(reason)}`));

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
