import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { context, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthV1 } from '@coffer/contracts';
import { AppError } from '../errors/app-error.js';
import { fromGrpcError } from '../errors/error-mapping.js';
import { createMetricsRegistry } from '../metrics/metrics-registry.js';
import { initTracing } from '../tracing/tracing.js';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { checkHealth, clientCredentialsFor, healthClient, issueMaterial, newCa, startTestServer, type TestServer } from './grpc-test.fixture.js';
import { unaryHandler } from './handlers.js';
import { currentRequestContext, runWithRequestContext } from '../logging/request-context.js';
import type { MtlsMaterial } from './mtls.js';

/** A HealthService whose behaviour the caller picks with the `x-behaviour` metadata key. */
function behaviourService(seen: { traceId?: string; requestId?: string }) {
  return (logger: Parameters<typeof unaryHandler>[0]) => {
    const implementation: healthV1.HealthServiceServer = {
      check: unaryHandler(logger, async (_request, call) => {
        seen.traceId = trace.getActiveSpan()?.spanContext().traceId;
        seen.requestId = currentRequestContext()?.requestId;
        const behaviour = call.metadata.get('x-behaviour')[0]?.toString();
        if (behaviour === 'not-found') throw new AppError('not_found', { detail: 'no such file' });
        if (behaviour === 'crash') throw new Error('database password is hunter2');
        if (behaviour === 'slow') await new Promise((resolve) => setTimeout(resolve, 300));
        logger.info('handled');
        return { service: 'test', version: 'v', status: healthV1.ServingStatus.SERVING_STATUS_SERVING, failingChecks: [] };
      }),
    };
    return [{ definition: healthV1.HealthServiceService, implementation }];
  };
}

function withBehaviour(behaviour: string, requestId?: string): Metadata {
  const metadata = new Metadata();
  metadata.set('x-behaviour', behaviour);
  if (requestId) metadata.set('x-request-id', requestId);
  return metadata;
}

describe('gRPC server runtime', () => {
  let server: TestServer;
  let gateway: MtlsMaterial;
  const seen: { traceId?: string; requestId?: string } = {};

  beforeAll(async () => {
    const ca = await newCa();
    gateway = await issueMaterial(ca, 'gateway');
    server = await startTestServer(await issueMaterial(ca, 'auth'), { defaultPeers: ['gateway'] }, behaviourService(seen));
  });
  afterAll(() => server.server.shutdown(1_000));

  it('maps an AppError to its gRPC status and carries the stable code across', async () => {
    const client = healthClient(server.address, clientCredentialsFor(gateway), 'auth');
    const error = (await checkHealth(client, withBehaviour('not-found')).catch((e: unknown) => e)) as ServiceError;
    expect(error.code).toBe(GrpcStatus.NOT_FOUND);
    expect(error.details).toBe('no such file');
    const appError = fromGrpcError(error);
    expect(appError.code).toBe('not_found');
    expect(appError.detail).toBe('no such file');
    client.close();
  });

  it('never sends an unexpected error message to the caller, and logs it', async () => {
    const client = healthClient(server.address, clientCredentialsFor(gateway), 'auth');
    const error = (await checkHealth(client, withBehaviour('crash')).catch((e: unknown) => e)) as ServiceError;
    expect(error.code).toBe(GrpcStatus.INTERNAL);
    expect(error.details).not.toContain('hunter2');
    expect(error.details).toBe('An internal error occurred.');
    expect(server.log.text()).toContain('rpc handler failed');
    client.close();
  });

  it('continues the caller trace, propagates the request id and records RED metrics', async () => {
    const clientExporter = new InMemorySpanExporter();
    const clientTracing = initTracing({ service: 'client', version: 'test', spanProcessors: [new SimpleSpanProcessor(clientExporter)] });
    const clientRegistry = createMetricsRegistry('client');
    const client = healthClient(server.address, clientCredentialsFor(gateway), 'auth', clientTracing, clientRegistry);

    const parent = clientTracing.tracer.startSpan('upload');
    await context.with(trace.setSpan(context.active(), parent), () => checkHealth(client, withBehaviour('ok', 'req-123')));
    parent.end();

    const clientSpan = clientExporter.getFinishedSpans().find((span) => span.name === '/coffer.health.v1.HealthService/Check');
    const serverSpan = server.exporter.getFinishedSpans().at(-1);
    expect(clientSpan?.spanContext().traceId).toBe(parent.spanContext().traceId);
    expect(clientSpan?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(serverSpan?.spanContext().traceId).toBe(parent.spanContext().traceId);
    expect(serverSpan?.parentSpanContext?.spanId).toBe(clientSpan?.spanContext().spanId);
    expect(seen.traceId).toBe(parent.spanContext().traceId);
    expect(seen.requestId).toBe('req-123');

    const handledLine = server.log.lines().find((line) => line['msg'] === 'handled' && line['request_id'] === 'req-123');
    expect(handledLine?.['trace_id']).toBe(parent.spanContext().traceId);
    expect(handledLine?.['service']).toBe('server');

    // The user the request is for travels with it, so the server's log lines name them.
    const userId = '0190a0a0-0000-7000-8000-00000000000a';
    await runWithRequestContext({ requestId: 'req-456', userId }, () => checkHealth(client, withBehaviour('ok')));
    expect(server.log.lines().find((line) => line['msg'] === 'handled' && line['request_id'] === 'req-456')?.['user_id']).toBe(userId);
    const forged = withBehaviour('ok', 'req-789');
    forged.set('x-coffer-user-id', 'not a plain id; DROP TABLE');
    await checkHealth(client, forged);
    expect(server.log.lines().find((line) => line['msg'] === 'handled' && line['request_id'] === 'req-789')?.['user_id']).toBeUndefined();

    expect(await server.registry.getSingleMetricAsString('grpc_server_handled_total')).toMatch(
      /grpc_server_handled_total\{grpc_service="coffer.health.v1.HealthService",grpc_method="Check",grpc_code="OK",service="server"\} [1-9]/,
    );
    expect(await clientRegistry.getSingleMetricAsString('grpc_client_handling_seconds')).toContain('grpc_client_handling_seconds_count');
    client.close();
  });

  it('drains an in-flight call on shutdown and refuses new ones', async () => {
    const ca = await newCa();
    const local = await startTestServer(await issueMaterial(ca, 'auth'), { defaultPeers: ['gateway'] }, behaviourService({}));
    const localGateway = await issueMaterial(ca, 'gateway');
    const client = healthClient(local.address, clientCredentialsFor(localGateway), 'auth');
    await checkHealth(client, withBehaviour('ok')); // connect first
    const inFlight = checkHealth(client, withBehaviour('slow'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stopped = local.server.shutdown(5_000);
    await expect(inFlight).resolves.toMatchObject({ service: 'test' });
    await stopped;
    await expect(checkHealth(client, withBehaviour('ok'))).rejects.toMatchObject({ code: GrpcStatus.UNAVAILABLE });
    client.close();
  });
});
