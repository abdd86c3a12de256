import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from '../bench-result.js';
import { runLoad, type LoadFigures } from '../harness/load.js';
import { cpuSnapshot, describeCpuPerRequest } from '../harness/process-cpu.js';

export interface MetadataGetOptions {
  readonly gatewayUrl: string;
  readonly accessToken: string;
  /** Files of the signed-in user to cycle through. */
  readonly fileIds: readonly string[];
  /** Where the bare express baseline listens. */
  readonly barePort: number;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly repetitions: number;
  /** Every service's pid, to report CPU per request. */
  readonly pids: Readonly<Record<string, number>>;
  readonly log: (line: string) => void;
}

/** Item 5: GET /v1/files/{id} through the gateway against a bare express 5 handler sending the same JSON. */
export async function runMetadataGetBenchmark(options: MetadataGetOptions): Promise<BenchResult[]> {
  const authorization = { authorization: `Bearer ${options.accessToken}` };
  const sample = await fetch(`${options.gatewayUrl}/v1/files/${options.fileIds[0] ?? ''}`, { headers: authorization });
  if (sample.status !== 200) throw new Error(`GET /v1/files/{id} answered ${sample.status}`);
  const body = await sample.text();

  const server = spawn(process.execPath, [fileURLToPath(new URL('../harness/bare-express-server.js', import.meta.url))], {
    env: { ...process.env, BENCH_PORT: String(options.barePort), BENCH_BODY: body, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    if (!server.stdout) throw new Error('bare express server has no stdout');
    await once(server.stdout, 'data');
    const requests = options.fileIds.map((id) => ({ method: 'GET' as const, path: `/v1/files/${id}` }));
    const bare = (durationSeconds: number, warmUp = false) => runLoad({ url: `http://127.0.0.1:${options.barePort}`, connections: options.connections, durationSeconds, warmUp, requests });
    const gateway = (durationSeconds: number, warmUp = false) => runLoad({ url: options.gatewayUrl, connections: options.connections, durationSeconds, warmUp, headers: authorization, requests });
    const warmUpSeconds = Math.max(2, Math.round(options.durationSeconds / 2));
    await bare(warmUpSeconds, true);
    await gateway(warmUpSeconds, true);
    const runs = { bare: [] as LoadFigures[], gateway: [] as LoadFigures[] };
    const cpuBefore = cpuSnapshot(options.pids);
    const cpuAfter: Record<string, number> = {};
    for (let repetition = 0; repetition < options.repetitions; repetition += 1) {
      runs.bare.push(await bare(options.durationSeconds));
      const before = cpuSnapshot(options.pids);
      runs.gateway.push(await gateway(options.durationSeconds));
      const after = cpuSnapshot(options.pids);
      // Only the gateway runs count: the bare runs' CPU is subtracted out.
      for (const name of Object.keys(options.pids)) cpuAfter[name] = (cpuAfter[name] ?? cpuBefore[name] ?? 0) + (after[name] ?? 0) - (before[name] ?? 0);
    }
    const cpu = describeCpuPerRequest(cpuBefore, cpuAfter, runs.gateway.reduce((sum, run) => sum + run.requests, 0));
    options.log(`  metadata GET c${options.connections}: ${runs.gateway.map((run) => run.requestsPerSecond.toFixed(0)).join(', ')} vs ${runs.bare.map((run) => run.requestsPerSecond.toFixed(0)).join(', ')} req/s`);
    const baselineName = 'bare express 5 handler, same JSON, own process';
    return [
      {
        id: `metadata-get-c${options.connections}-throughput`,
        section: 5,
        title: `Authenticated GET /v1/files/{id}, concurrency ${options.connections}: throughput`,
        coffer: { unit: 'req/s', samples: runs.gateway.map((run) => run.requestsPerSecond) },
        baseline: { name: baselineName, series: { unit: 'req/s', samples: runs.bare.map((run) => run.requestsPerSecond) } },
        higherIsBetter: true,
        target: { kind: 'ratio-at-least', value: 0.6 },
        notes: [`The gateway verifies the bearer token, takes a rate-limit token from Redis, asks the policy service and reads the metadata service over gRPC with mTLS; the baseline only serialises the same ${body.length}-byte JSON.`, cpu],
      },
      {
        id: `metadata-get-c${options.connections}-p99`,
        section: 5,
        title: `Authenticated GET /v1/files/{id}, concurrency ${options.connections}: p99 latency`,
        coffer: { unit: 'ms', samples: runs.gateway.map((run) => run.p99) },
        baseline: { name: baselineName, series: { unit: 'ms', samples: runs.bare.map((run) => run.p99) } },
        higherIsBetter: false,
      },
    ];
  } finally {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }
}
