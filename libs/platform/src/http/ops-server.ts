import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Readiness } from '../health/readiness.js';
import { toProblem } from '../errors/error-mapping.js';
import { AppError } from '../errors/app-error.js';

export interface OpsServerOptions {
  host: string;
  port: number;
  registry: Registry;
  readiness: Readiness;
}

export interface RunningOpsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The operations endpoint of a service, apart from its API port: `/healthz` (the process is
 * alive), `/readyz` (it should receive traffic), `/metrics` (Prometheus text format).
 */
export async function startOpsServer(options: OpsServerOptions): Promise<RunningOpsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const send = (status: number, contentType: string, body: string): void => {
      res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(405, 'application/problem+json', JSON.stringify(toProblem(new AppError('method_not_allowed', { detail: 'Use GET.' }))));
      return;
    }
    switch (path) {
      case '/healthz':
        send(200, 'application/json', JSON.stringify({ status: 'ok' }));
        return;
      case '/readyz':
        void options.readiness.evaluate().then((report) => {
          send(report.ready ? 200 : 503, 'application/json', JSON.stringify({ status: report.ready ? 'ready' : 'not_ready', failing: report.failing }));
        });
        return;
      case '/metrics':
        options.registry.metrics().then(
          (text) => send(200, options.registry.contentType, text),
          () => send(500, 'application/problem+json', JSON.stringify(toProblem(new AppError('internal')))),
        );
        return;
      default:
        send(404, 'application/problem+json', JSON.stringify(toProblem(new AppError('not_found', { detail: `No ops endpoint ${path}.` }))));
    }
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
