import { Counter, Histogram, type Registry } from 'prom-client';
import { latencyBuckets } from './metrics-registry.js';

/** Splits `/coffer.auth.v1.AuthService/Login` into service and method labels. */
export function grpcMethodLabels(path: string): { grpc_service: string; grpc_method: string } {
  const [, service = 'unknown', method = 'unknown'] = path.split('/');
  return { grpc_service: service, grpc_method: method };
}

type RpcLabels = 'grpc_service' | 'grpc_method' | 'grpc_code';

/** Completed-RPC counter and latency histogram for one side of a call (`server` or `client`). */
class RpcRedMetrics {
  readonly handled: Counter<RpcLabels>;
  readonly handlingSeconds: Histogram<RpcLabels>;

  constructor(registry: Registry, side: 'server' | 'client', helpHandled: string, helpSeconds: string) {
    const labelNames: RpcLabels[] = ['grpc_service', 'grpc_method', 'grpc_code'];
    this.handled = new Counter({ name: `grpc_${side}_handled_total`, help: helpHandled, labelNames, registers: [registry] });
    this.handlingSeconds = new Histogram({
      name: `grpc_${side}_handling_seconds`,
      help: helpSeconds,
      labelNames,
      buckets: [...latencyBuckets],
      registers: [registry],
    });
  }

  observe(path: string, code: string, seconds: number): void {
    const labels = { ...grpcMethodLabels(path), grpc_code: code };
    this.handled.inc(labels);
    this.handlingSeconds.observe(labels, seconds);
  }
}

/** RED metrics for RPCs this process serves. Labels are bounded: service, method, status code. */
export class GrpcServerMetrics extends RpcRedMetrics {
  readonly peerDenied: Counter<'grpc_service' | 'grpc_method'>;

  constructor(registry: Registry) {
    super(registry, 'server', 'RPCs completed by this server, by status code.', 'Time from receiving an RPC to sending its status.');
    this.peerDenied = new Counter({
      name: 'grpc_server_peer_denied_total',
      help: 'RPCs refused because the mTLS peer is not on the allowlist for the method.',
      labelNames: ['grpc_service', 'grpc_method'],
      registers: [registry],
    });
  }
}

/** RED metrics for RPCs this process makes. */
export class GrpcClientMetrics extends RpcRedMetrics {
  constructor(registry: Registry) {
    super(registry, 'client', 'RPCs completed by this client, by status code.', 'Time from starting an RPC to receiving its status.');
  }
}
