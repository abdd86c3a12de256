import { randomBytes } from 'node:crypto';
import type { Client } from 'minio';
import type { BenchResult, Series } from '../bench-result.js';
import { runLoad, type LoadFigures } from '../harness/load.js';
import { cpuSnapshot, describeCpuPerRequest } from '../harness/process-cpu.js';
import { uploadThroughGateway } from '../transfers/large-transfers.js';

const OBJECT_BYTES = 4 * 1024;
/** How many distinct objects the downloads cycle through (each connection walks the list). */
const OBJECT_COUNT = 64;
/** A day: no presigned URL expires mid-run. */
const PRESIGN_SECONDS = 86_400;

export interface SmallObjectOptions {
  readonly gatewayUrl: string;
  readonly accessToken: string;
  readonly s3: Client;
  readonly s3Endpoint: string;
  readonly directBucket: string;
  readonly durationSeconds: number;
  readonly repetitions: number;
  readonly downloadConcurrencies: readonly number[];
  readonly uploadConcurrency: number;
  /** Every service's pid, to report CPU per request. */
  readonly pids: Readonly<Record<string, number>>;
  readonly log: (line: string) => void;
}

/** The path and query of a presigned URL: autocannon sends it to the same host it was signed for. */
const pathOf = (url: string): string => {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
};

/** Runs baseline then Coffer `repetitions` times after one short warm-up of each. */
async function alternate(
  pids: Readonly<Record<string, number>>,
  repetitions: number,
  warmUpSeconds: number,
  baseline: (durationSeconds?: number, warmUp?: boolean) => Promise<LoadFigures>,
  coffer: (durationSeconds?: number, warmUp?: boolean) => Promise<LoadFigures>,
): Promise<{ baseline: LoadFigures[]; coffer: LoadFigures[]; cpu: string }> {
  await baseline(warmUpSeconds, true);
  await coffer(warmUpSeconds, true);
  const runs = { baseline: [] as LoadFigures[], coffer: [] as LoadFigures[] };
  const cpu = { before: {} as Record<string, number>, after: {} as Record<string, number> };
  for (let repetition = 0; repetition < repetitions; repetition += 1) {
    runs.baseline.push(await baseline());
    const before = cpuSnapshot(pids);
    runs.coffer.push(await coffer());
    const after = cpuSnapshot(pids);
    for (const name of Object.keys(pids)) {
      cpu.before[name] = (cpu.before[name] ?? 0) + (before[name] ?? 0);
      cpu.after[name] = (cpu.after[name] ?? 0) + (after[name] ?? 0);
    }
  }
  return { ...runs, cpu: describeCpuPerRequest(cpu.before, cpu.after, runs.coffer.reduce((sum, run) => sum + run.requests, 0)) };
}

const series = (unit: string, runs: LoadFigures[], pick: (figures: LoadFigures) => number): Series => ({ unit, samples: runs.map(pick) });

/** Items 3 and 4: 4 KiB objects through the gateway against presigned GETs and PUTs on the same S3 server. */
export async function runSmallObjectBenchmarks(options: SmallObjectOptions): Promise<BenchResult[]> {
  const { s3, directBucket } = options;
  if (!(await s3.bucketExists(directBucket))) await s3.makeBucket(directBucket);
  const bodies = Array.from({ length: OBJECT_COUNT }, () => randomBytes(OBJECT_BYTES));
  const ids: string[] = [];
  const getPaths: string[] = [];
  const putPaths: string[] = [];
  for (const [index, body] of bodies.entries()) {
    ids.push((await uploadThroughGateway({ gatewayUrl: options.gatewayUrl, accessToken: options.accessToken, bytes: OBJECT_BYTES, block: body, name: `small-${index}.bin` })).id);
    await s3.putObject(directBucket, `small-${index}.bin`, body, OBJECT_BYTES);
    getPaths.push(pathOf(await s3.presignedGetObject(directBucket, `small-${index}.bin`, PRESIGN_SECONDS)));
    putPaths.push(pathOf(await s3.presignedPutObject(directBucket, `small-put-${index}.bin`, PRESIGN_SECONDS)));
  }
  const authorization = { authorization: `Bearer ${options.accessToken}` };
  const warmUpSeconds = Math.max(2, Math.round(options.durationSeconds / 2));
  const results: BenchResult[] = [];

  for (const connections of options.downloadConcurrencies) {
    const runs = await alternate(
      options.pids,
      options.repetitions,
      warmUpSeconds,
      (durationSeconds = options.durationSeconds, warmUp = false) => runLoad({ url: options.s3Endpoint, connections, durationSeconds, warmUp, requests: getPaths.map((path) => ({ method: 'GET', path })) }),
      (durationSeconds = options.durationSeconds, warmUp = false) =>
        runLoad({ url: options.gatewayUrl, connections, durationSeconds, warmUp, headers: authorization, requests: ids.map((id) => ({ method: 'GET', path: `/v1/files/${id}/content` })) }),
    );
    options.log(`  4 KiB GET c${connections}: ${runs.coffer.map((run) => run.requestsPerSecond.toFixed(0)).join(', ')} vs ${runs.baseline.map((run) => run.requestsPerSecond.toFixed(0)).join(', ')} req/s`);
    const baselineName = 'presigned S3 GET of the same bytes (autocannon)';
    const atTarget = connections === 32;
    results.push(
      {
        id: `download-4kib-c${connections}-throughput`,
        section: 3,
        title: `4 KiB downloads, concurrency ${connections}: throughput`,
        coffer: series('req/s', runs.coffer, (run) => run.requestsPerSecond),
        baseline: { name: baselineName, series: series('req/s', runs.baseline, (run) => run.requestsPerSecond) },
        higherIsBetter: true,
        ...(atTarget ? { target: { kind: 'ratio-at-least', value: 0.6 } as const } : {}),
        notes: [`Both sides cycle through the same ${OBJECT_COUNT} objects of 4 KiB (the baseline holds the same bytes in its own bucket); the baseline's URLs are presigned once, as Coffer's token is verified once and cached.`, runs.cpu],
      },
      {
        id: `download-4kib-c${connections}-p50`,
        section: 3,
        title: `4 KiB downloads, concurrency ${connections}: p50 latency`,
        coffer: series('ms', runs.coffer, (run) => run.p50),
        baseline: { name: baselineName, series: series('ms', runs.baseline, (run) => run.p50) },
        higherIsBetter: false,
      },
      {
        id: `download-4kib-c${connections}-p99`,
        section: 3,
        title: `4 KiB downloads, concurrency ${connections}: p99 latency`,
        coffer: series('ms', runs.coffer, (run) => run.p99),
        baseline: { name: baselineName, series: series('ms', runs.baseline, (run) => run.p99) },
        higherIsBetter: false,
        ...(atTarget ? { target: { kind: 'at-most', value: 10, unit: 'ms' } as const } : {}),
      },
    );
  }

  let uploadCounter = 0;
  const uploadBody = randomBytes(OBJECT_BYTES);
  const connections = options.uploadConcurrency;
  const uploads = await alternate(
    options.pids,
    options.repetitions,
    warmUpSeconds,
    (durationSeconds = options.durationSeconds, warmUp = false) =>
      runLoad({ url: options.s3Endpoint, connections, durationSeconds, warmUp, requests: putPaths.map((path) => ({ method: 'PUT', path, body: uploadBody })) }),
    (durationSeconds = options.durationSeconds, warmUp = false) =>
      runLoad({
        url: options.gatewayUrl,
        connections,
        durationSeconds,
        warmUp,
        headers: { ...authorization, 'content-type': 'application/octet-stream' },
        requests: [
          {
            method: 'POST',
            body: uploadBody,
            // Every upload is a new file: names are unique within a folder.
            setupRequest: (request) => ({ ...request, path: `/v1/files?name=u-${(uploadCounter += 1)}.bin` }),
          },
        ],
      }),
  );
  options.log(`  4 KiB PUT c${connections}: ${uploads.coffer.map((run) => run.requestsPerSecond.toFixed(0)).join(', ')} vs ${uploads.baseline.map((run) => run.requestsPerSecond.toFixed(0)).join(', ')} req/s`);
  results.push(
    {
      id: `upload-4kib-c${connections}-throughput`,
      section: 4,
      title: `4 KiB uploads, concurrency ${connections}: throughput`,
      coffer: series('req/s', uploads.coffer, (run) => run.requestsPerSecond),
      baseline: { name: 'presigned S3 PUT (autocannon)', series: series('req/s', uploads.baseline, (run) => run.requestsPerSecond) },
      higherIsBetter: true,
      target: { kind: 'ratio-at-least', value: 0.5 },
      notes: ['Each Coffer upload creates a new file (metadata row, quota, outbox event); each S3 PUT overwrites one of 64 keys.', uploads.cpu],
    },
    {
      id: `upload-4kib-c${connections}-p99`,
      section: 4,
      title: `4 KiB uploads, concurrency ${connections}: p99 latency`,
      coffer: series('ms', uploads.coffer, (run) => run.p99),
      baseline: { name: 'presigned S3 PUT (autocannon)', series: series('ms', uploads.baseline, (run) => run.p99) },
      higherIsBetter: false,
    },
  );
  return results;
}
