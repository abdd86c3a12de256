import { afterEach, describe, expect, it } from 'vitest';
import { Readiness } from '../health/readiness.js';
import { createMetricsRegistry } from '../metrics/metrics-registry.js';
import { startOpsServer, type RunningOpsServer } from './ops-server.js';

describe('ops server', () => {
  let ops: RunningOpsServer | undefined;
  afterEach(() => ops?.close());

  async function start(readiness: Readiness) {
    ops = await startOpsServer({ host: '127.0.0.1', port: 0, registry: createMetricsRegistry('svc'), readiness });
    return `http://127.0.0.1:${ops.port}`;
  }

  it('serves liveness, readiness and Prometheus metrics', async () => {
    const base = await start(new Readiness());
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'ready', failing: [] });
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toMatch(/process_cpu_user_seconds_total\{service="svc"\}/);
  });

  it('reports not ready with the failing check, and while shutting down', async () => {
    const readiness = new Readiness(200);
    readiness.add('database', () => Promise.reject(new Error('down')));
    readiness.add('slow', () => new Promise(() => undefined));
    readiness.add('cache', () => Promise.resolve());
    const base = await start(readiness);
    const response = await fetch(`${base}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'not_ready', failing: ['database', 'slow'] });
    readiness.markShuttingDown();
    expect(await (await fetch(`${base}/readyz`)).json()).toMatchObject({ failing: ['shutting-down'] });
  });

  it('answers unknown paths and methods with problem+json', async () => {
    const base = await start(new Readiness());
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(await missing.json()).toMatchObject({ code: 'not_found', status: 404 });
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });
});
