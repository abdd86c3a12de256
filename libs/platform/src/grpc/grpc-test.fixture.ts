import { Writable } from 'node:stream';
import { credentials, Metadata, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createCertificateAuthority, issueServiceCertificate, serviceDnsName, type CertificateAuthority } from '@coffer/pki';
import { healthV1 } from '@coffer/contracts';
import { createLogger, type Logger } from '../logging/logger.js';
import { createMetricsRegistry } from '../metrics/metrics-registry.js';
import { GrpcClientMetrics, GrpcServerMetrics } from '../metrics/grpc-metrics.js';
import { initTracing, type Tracing } from '../tracing/tracing.js';
import { platformServerInterceptor } from './server-interceptor.js';
import { platformClientInterceptor } from './client-interceptor.js';
import { startGrpcServer, type RunningGrpcServer } from './grpc-server.js';
import type { ServiceBinding } from './handlers.js';
import { mtlsServerCredentials, type MtlsMaterial } from './mtls.js';
import type { PeerAllowlist } from './peer-allowlist.js';

/** Test fixture: a real CA and real certificates, for real TLS handshakes. */
export async function issueMaterial(ca: CertificateAuthority, service: string, validity?: Parameters<typeof issueServiceCertificate>[2]): Promise<MtlsMaterial> {
  const issued = await issueServiceCertificate(ca, service, validity);
  return { caPem: Buffer.from(ca.certPem), certPem: Buffer.from(issued.certPem), keyPem: Buffer.from(issued.keyPem) };
}

export async function newCa(name = 'test CA'): Promise<CertificateAuthority> {
  return createCertificateAuthority(name);
}

/** Captures JSON log lines in memory. */
export function capturingLogger(service: string, level = 'debug'): { logger: Logger; lines: () => Record<string, unknown>[]; text: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = createLogger({ service, level, destination });
  const text = () => chunks.join('');
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

export interface TestServer {
  server: RunningGrpcServer;
  address: string;
  exporter: InMemorySpanExporter;
  tracing: Tracing;
  registry: ReturnType<typeof createMetricsRegistry>;
  log: ReturnType<typeof capturingLogger>;
}

/** Starts a real gRPC server on a free loopback port with the platform interceptor. */
export async function startTestServer(material: MtlsMaterial, allowlist: PeerAllowlist, services: (logger: Logger) => ServiceBinding[]): Promise<TestServer> {
  const exporter = new InMemorySpanExporter();
  const tracing = initTracing({ service: 'server', version: 'test', spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const registry = createMetricsRegistry('server');
  const log = capturingLogger('server');
  const server = await startGrpcServer({
    host: '127.0.0.1',
    port: 0,
    credentials: mtlsServerCredentials(material),
    interceptors: [
      platformServerInterceptor({ allowlist, metrics: new GrpcServerMetrics(registry), tracer: tracing.tracer, propagator: tracing.propagator, logger: log.logger }),
    ],
    services: services(log.logger),
  });
  return { server, address: `127.0.0.1:${server.port}`, exporter, tracing, registry, log };
}

/** A HealthService client with explicit credentials and the target-name override for `target`. */
export function healthClient(address: string, channelCredentials: ChannelCredentials, target: string, tracing?: Tracing, registry?: ReturnType<typeof createMetricsRegistry>): healthV1.HealthServiceClient {
  const interceptors =
    tracing && registry
      ? [platformClientInterceptor({ metrics: new GrpcClientMetrics(registry), tracer: tracing.tracer, propagator: tracing.propagator })]
      : [];
  return new healthV1.HealthServiceClient(address, channelCredentials, {
    'grpc.ssl_target_name_override': serviceDnsName(target),
    interceptors,
  });
}

export function checkHealth(client: healthV1.HealthServiceClient, metadata?: Metadata): Promise<healthV1.CheckResponse> {
  return new Promise((resolve, reject) => {
    const deadline = new Date(Date.now() + 5_000);
    const callback = (error: ServiceError | null, response: healthV1.CheckResponse) => (error ? reject(error) : resolve(response));
    client.check({}, metadata ?? new Metadata(), { deadline }, callback);
  });
}

export function clientCredentialsFor(material: MtlsMaterial): ChannelCredentials {
  return credentials.createSsl(material.caPem, material.keyPem, material.certPem);
}
