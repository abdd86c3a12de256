import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificates } from '@coffer/pki';
import { ALL_SERVICES, GRPC_SERVICES, type ServiceName } from '@coffer/platform';
import { launchPlatform, type RunningPlatform } from '../src/launch-platform.js';

/**
 * The walking skeleton, end to end: all eight services as real processes, mTLS between them,
 * GET /v1/health through the gateway aggregating every service over gRPC.
 */
describe('walking skeleton', () => {
  const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const certDir = mkdtempSync(join(tmpdir(), 'coffer-e2e-certs-'));
  const lines: { service: ServiceName; stream: string; line: string }[] = [];
  let platform: RunningPlatform;

  beforeAll(async () => {
    await ensureDevCertificates(certDir, ALL_SERVICES);
    platform = launchPlatform({
      rootDir,
      certDir,
      portOffset: 10_000,
      env: { COFFER_LOG_LEVEL: 'debug', COFFER_HEALTH_TIMEOUT_MS: '1000' },
      onLine: (service, stream, line) => lines.push({ service, stream, line }),
    });
    await platform.waitUntilHealthy(60_000);
  }, 90_000);

  afterAll(async () => {
    await platform.stop();
    rmSync(certDir, { recursive: true, force: true });
  });

  it('reports every service healthy through the gateway', async () => {
    const response = await fetch(`${platform.gatewayUrl}/v1/health`);
    expect(response.status).toBe(200);
    const health = (await response.json()) as { status: string; services: Record<string, { status: string }> };
    expect(health.status).toBe('ok');
    expect(Object.keys(health.services).sort()).toEqual([...GRPC_SERVICES].sort());
    for (const name of GRPC_SERVICES) expect(health.services[name]?.status, name).toBe('serving');
  });

  it('serves /metrics, /healthz and /readyz on every service', async () => {
    for (const name of ALL_SERVICES) {
      const base = `http://127.0.0.1:${platform.ports[name].ops}`;
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics, name).toContain(`process_resident_memory_bytes{service="${name}"}`);
      expect((await fetch(`${base}/healthz`)).status, name).toBe(200);
      expect((await fetch(`${base}/readyz`)).status, name).toBe(200);
    }
    const authMetrics = await (await fetch(`http://127.0.0.1:${platform.ports.auth.ops}/metrics`)).text();
    expect(authMetrics).toMatch(/grpc_server_handled_total\{grpc_service="coffer.health.v1.HealthService",grpc_method="Check",grpc_code="OK",service="auth"\} [1-9]/);
    const gatewayMetrics = await (await fetch(`http://127.0.0.1:${platform.ports.gateway.ops}/metrics`)).text();
    expect(gatewayMetrics).toMatch(/grpc_client_handled_total\{grpc_service="coffer.health.v1.HealthService",grpc_method="Check",grpc_code="OK",service="gateway"\}/);
    expect(gatewayMetrics).toContain('http_server_requests_total{method="GET",route="/v1/health",status_code="200",service="gateway"}');
  });

  it('logs JSON lines on stdout with service and trace ids, and one trace spans gateway and services', async () => {
    const requestId = `skeleton-${Date.now()}`;
    await fetch(`${platform.gatewayUrl}/v1/health`, { headers: { 'x-request-id': requestId } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const parsed = lines.filter((entry) => entry.stream === 'stdout').map((entry) => ({ service: entry.service, json: JSON.parse(entry.line) as Record<string, unknown> }));
    for (const entry of parsed) expect(entry.json['service']).toBe(entry.service);
    const gatewayLine = parsed.find((entry) => entry.service === 'gateway' && entry.json['request_id'] === requestId && entry.json['msg'] === 'request completed');
    expect(gatewayLine).toBeDefined();
    const traceId = gatewayLine?.json['trace_id'];
    const serviceLines = parsed.filter((entry) => entry.service !== 'gateway' && entry.json['request_id'] === requestId);
    expect(new Set(serviceLines.map((entry) => entry.service))).toEqual(new Set(GRPC_SERVICES));
    for (const entry of serviceLines) expect(entry.json['trace_id']).toBe(traceId);
  });

  it('answers 503 naming the service that is down', async () => {
    const policy = platform.process('policy');
    const exited = new Promise((resolve) => policy.once('exit', resolve));
    policy.kill('SIGKILL');
    await exited;
    const response = await fetch(`${platform.gatewayUrl}/v1/health`);
    expect(response.status).toBe(503);
    const health = (await response.json()) as { status: string; services: Record<string, { status: string }> };
    expect(health.status).toBe('degraded');
    expect(health.services['policy']?.status).toBe('unreachable');
    expect(health.services['auth']?.status).toBe('serving');
  });

  it('shuts every remaining service down gracefully on SIGTERM', async () => {
    const codes = await platform.stop();
    for (const name of ALL_SERVICES.filter((service) => service !== 'policy')) expect(codes[name], name).toBe(0);
    const completed = lines.filter((entry) => entry.line.includes('"shutdown complete"')).map((entry) => entry.service);
    expect(new Set(completed)).toEqual(new Set(ALL_SERVICES.filter((service) => service !== 'policy')));
  });
});
