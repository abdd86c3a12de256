import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { authV1 } from '@coffer/contracts';
import { loadMtlsMaterial, mtlsChannel } from '@coffer/platform';
import type { BenchResult } from '../bench-result.js';
import type { PipelineContext } from '../harness/bench-platform.js';
import { median, percentile } from '../stats/statistics.js';
import { endChild, forkReady } from './child-process.js';
import type { PipelineSettings } from './pipeline-settings.js';
import { profileDuring, profileNoteOf } from './remote-cpu-profiler.js';
import { processCpuSeconds } from './service-probes.js';
import { keepInFlight, oneAtATime, type UnaryCall } from './unary-load.js';

/** Calls outstanding in the throughput runs, as the issue asks. */
const IN_FLIGHT = 100;
const BASELINE_NAME = 'bare @grpc/grpc-js server in its own process, same GetJwks answer, no TLS, no interceptors';

interface Target {
  readonly name: string;
  readonly call: UnaryCall;
  readonly close: () => void;
}

interface Runs {
  p50: number[];
  p99: number[];
  rate: number[];
  inFlightP99: number[];
}

function getJwksCall(client: authV1.AuthServiceClient): UnaryCall {
  return () =>
    new Promise<void>((resolve, reject) => {
      client.getJwks({}, (error) => (error ? reject(error) : resolve()));
    });
}

/**
 * Item 8: internal gRPC over mTLS. The call is AuthService.GetJwks on the running auth service
 * (answered from memory, so what is measured is the RPC path: TLS, HTTP/2, the platform's
 * server interceptor with peer allowlist, span, metrics and log, and protobuf), made with the
 * gateway's certificate as the gateway makes it. Unary p50/p99 one call at a time, and calls
 * per second with {@link IN_FLIGHT} in flight on one channel.
 *
 * Baseline, same run: {@link BASELINE_NAME}; the same bare server over mTLS is measured too and
 * reported in the notes, which separates the cost of TLS from the cost of the platform's stack.
 */
export async function benchGrpcOverMtls(ctx: PipelineContext, settings: PipelineSettings): Promise<BenchResult[]> {
  const gatewayIdentity = loadMtlsMaterial({ caFile: join(ctx.certDir, 'ca.crt'), certFile: join(ctx.certDir, 'gateway.crt'), keyFile: join(ctx.certDir, 'gateway.key') });
  const toAuth = mtlsChannel(gatewayIdentity, 'auth');
  const cofferClient = new authV1.AuthServiceClient(`127.0.0.1:${ctx.platform.ports.auth.grpc}`, toAuth.credentials, toAuth.options);
  const jwksJson = await new Promise<string>((resolve, reject) => {
    cofferClient.getJwks({}, (error, response) => (error ? reject(error) : resolve(response.jwksJson)));
  });
  const { child, ready } = await forkReady<{ kind: 'ready'; insecurePort: number; mtlsPort: number }>('bare-grpc-server', [ctx.certDir, jwksJson]);
  const bareInsecureClient = new authV1.AuthServiceClient(`127.0.0.1:${ready.insecurePort}`, credentials.createInsecure());
  const bareMtlsClient = new authV1.AuthServiceClient(`127.0.0.1:${ready.mtlsPort}`, toAuth.credentials, toAuth.options);
  const targets: Target[] = [
    { name: 'coffer', call: getJwksCall(cofferClient), close: () => cofferClient.close() },
    { name: 'bare-insecure', call: getJwksCall(bareInsecureClient), close: () => bareInsecureClient.close() },
    { name: 'bare-mtls', call: getJwksCall(bareMtlsClient), close: () => bareMtlsClient.close() },
  ];
  const runs = new Map<string, Runs>(targets.map((target) => [target.name, { p50: [], p99: [], rate: [], inFlightP99: [] }]));
  const authPid = ctx.platform.process('auth').pid;
  let authCpuSeconds = 0;
  let cofferInFlightSeconds = 0;
  let profileNote = 'CPU profile of auth: not taken.';
  try {
    for (const target of targets) {
      await oneAtATime(target.call, 1);
      await keepInFlight(target.call, IN_FLIGHT, 1);
    }
    // Interleaved, so a burst of noise from the rest of the machine falls on every target alike.
    for (let i = 0; i < settings.repetitions; i += 1) {
      for (const target of targets) {
        const record = runs.get(target.name);
        if (record === undefined) continue;
        const sequential = await oneAtATime(target.call, settings.grpcSeconds);
        record.p50.push(percentile(sequential, 50));
        record.p99.push(percentile(sequential, 99));
        const cpuBefore = target.name === 'coffer' ? await processCpuSeconds(authPid) : 0;
        const parallel = await keepInFlight(target.call, IN_FLIGHT, settings.grpcSeconds);
        if (target.name === 'coffer') {
          authCpuSeconds += (await processCpuSeconds(authPid)) - cpuBefore;
          cofferInFlightSeconds += parallel.latenciesMs.length / parallel.ratePerSecond;
        }
        record.rate.push(parallel.ratePerSecond);
        record.inFlightP99.push(percentile(parallel.latenciesMs, 99));
        ctx.log(`grpc: ${target.name} ${i + 1}: p50 ${record.p50.at(-1)?.toFixed(3)} ms, p99 ${record.p99.at(-1)?.toFixed(3)} ms, ${record.rate.at(-1)?.toFixed(0)} calls/s with ${IN_FLIGHT} in flight`);
      }
    }
    // One more run, not counted, under a CPU profile of the auth service.
    const cofferTarget = targets[0];
    if (cofferTarget !== undefined) {
      const profiled = await profileDuring(authPid, 'auth', () => keepInFlight(cofferTarget.call, IN_FLIGHT, settings.grpcSeconds));
      profileNote = profileNoteOf('auth', profiled).replace('one extra drain', `one extra ${settings.grpcSeconds}-s run with ${IN_FLIGHT} in flight`);
      ctx.log(`grpc: ${profileNote}`);
    }
  } finally {
    for (const target of targets) target.close();
    await endChild(child);
  }
  const coffer = runs.get('coffer') ?? { p50: [], p99: [], rate: [], inFlightP99: [] };
  const bare = runs.get('bare-insecure') ?? { p50: [], p99: [], rate: [], inFlightP99: [] };
  const bareMtls = runs.get('bare-mtls') ?? { p50: [], p99: [], rate: [], inFlightP99: [] };
  const rates = [median(coffer.rate), median(bare.rate), median(bareMtls.rate)];
  const clientBound = Math.max(...rates) / Math.min(...rates) < 1.3;
  const fmt = (values: readonly number[], digits = 3): string => median(values).toFixed(digits);
  const tlsNote = `Bare grpc-js with mTLS (same certificates): p50 ${fmt(bareMtls.p50)} ms, p99 ${fmt(bareMtls.p99)} ms, ${fmt(bareMtls.rate, 0)} calls/s with ${IN_FLIGHT} in flight (medians): the difference to the bare insecure server is TLS; the rest of the difference to Coffer is the platform's server stack.`;
  const stackNote = `With ${IN_FLIGHT} in flight the auth process used ${((authCpuSeconds / Math.max(1e-9, cofferInFlightSeconds)) * 100).toFixed(0)} % of one core; per call the server runs the peer allowlist check, an OpenTelemetry span, RED metrics (histogram observe) and a pino log call, on top of TLS and protobuf. The client (this process, one channel) is the same for all three servers.`;
  const method = 'AuthService.GetJwks with the gateway’s certificate (an RPC answered from memory)';
  return [
    {
      id: 'grpc-mtls-unary-p50',
      section: 8,
      title: `Internal gRPC over mTLS: unary p50, one call at a time (${method})`,
      coffer: { unit: 'ms', samples: coffer.p50 },
      baseline: { name: BASELINE_NAME, series: { unit: 'ms', samples: bare.p50 } },
      higherIsBetter: false,
      notes: [`${settings.repetitions} repetitions of ${settings.grpcSeconds} s each after 1 s of warm-up; the three servers interleaved.`, tlsNote],
    },
    {
      id: 'grpc-mtls-unary-p99',
      section: 8,
      title: 'Internal gRPC over mTLS: unary p99, one call at a time',
      coffer: { unit: 'ms', samples: coffer.p99 },
      baseline: { name: BASELINE_NAME, series: { unit: 'ms', samples: bare.p99 } },
      higherIsBetter: false,
      notes: [tlsNote],
    },
    {
      id: 'grpc-mtls-c100-rate',
      section: 8,
      title: `Internal gRPC over mTLS: calls per second with ${IN_FLIGHT} in flight`,
      coffer: { unit: 'calls/s', samples: coffer.rate },
      baseline: { name: BASELINE_NAME, series: { unit: 'calls/s', samples: bare.rate } },
      higherIsBetter: true,
      notes: [
        `p99 with ${IN_FLIGHT} in flight: Coffer ${fmt(coffer.inFlightP99, 1)} ms, bare ${fmt(bare.inFlightP99, 1)} ms, bare mTLS ${fmt(bareMtls.inFlightP99, 1)} ms.`,
        tlsNote,
        stackNote,
        profileNote,
        ...(clientBound
          ? ['All three servers reach about the same rate: the load generator (one Node process, one HTTP/2 channel, sharing the machine’s two cores with the server) is the limit here, so this ratio understates the servers’ differences.']
          : []),
      ],
    },
  ];
}
