import { Counter, Histogram, type Registry } from 'prom-client';
import { latencyBuckets } from './metrics-registry.js';

/** Splits `/coffer.auth.v1.AuthService/Login` into service and method labels. */
export function grpcMethodLabels(path: string): { grpc_service: string; grpc_method: string } {
  const [, service = 'unknown', method = 'unknown'] = path.split('/');
  return { grpc_service: service, grpc_method: method };
}

/** RED metrics for RPCs this process serves. Labels are bounded: service, method, status code. */
export class GrpcServerMetrics {
  readonly handled: Counter<'grpc_service' | 'grpc_method' | 'grpc_code'>;
  readonly handlingSeconds: Histogram<'grpc_service' | 'grpc_method' | 'grpc_code'>;
  readonly peerDenied: Counter<'grpc_service' | 'grpc_method'>;

  constructor(registry: Registry) {
    this.handled = new Counter({
      name: 'grpc_server_handled_total',
      help: 'RPCs completed by this server, by status code.',
      labelNames: ['grpc_service', 'grpc_method', 'grpc_code'],
      registers: [registry],
    });
    this.handlingSeconds = new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'Time from receiving an RPC to sending its status.',
      labelNames: ['grpc_service', 'grpc_method', 'grpc_code'],
      buckets: [...latencyBuckets],
      registers: [registry],
    });
    this.peerDenied = new Counter({
      name: 'grpc_server_peer_denied_total',
      help: 'RPCs refused because the mTLS peer is not on the allowlist for the method.',
      labelNames: ['grpc_service', 'grpc_method'],
      registers: [registry],
    });
  }

  observe(path: string, code: string, seconds: number): void {
    const labels = { ...grpcMethodLabels(path), grpc_code: code };
    this.handled.inc(labels);
    this.handlingSeconds.observe(labels, seconds);
  }
}

/** RED metrics for RPCs this process makes. */
export class GrpcClientMetrics {
  readonly handled: Counter<'grpc_service' | 'grpc_method' | 'grpc_code'>;
  readonly handlingSeconds: Histogram<'grpc_service' | 'grpc_method' | 'grpc_code'>;

  constructor(registry: Registry) {
    this.handled = new Counter({
      name: 'grpc_client_handled_total',
      help: 'RPCs completed by this client, by status code.',
      labelNames: ['grpc_service', 'grpc_method', 'grpc_code'],
      registers: [registry],
    });
    this.handlingSeconds = new Histogram({
      name: 'grpc_client_handling_seconds',
      help: 'Time from starting an RPC to receiving its status.',
      labelNames: ['grpc_service', 'grpc_method', 'grpc_code'],
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
