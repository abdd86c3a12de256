import express, { type Express } from 'express';
import { AppError, type HttpServerMetrics, type Logger, type Tracing } from '@coffer/platform';
import type { Operation } from './operation.js';
import { problemErrorHandler, sendProblem } from './problem-response.js';
import { requestTelemetry } from './request-telemetry.js';

export interface GatewayAppDeps {
  logger: Logger;
  tracing: Tracing;
  httpMetrics: HttpServerMetrics;
  operations: readonly Operation[];
}

/**
 * The gateway's express app: telemetry first, then one route per OpenAPI operation, then
 * problem+json for everything that is not a route (404), a route with another method (405),
 * or an error. Does no I/O itself.
 */
export function createGatewayApp(deps: GatewayAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestTelemetry({ tracing: deps.tracing, metrics: deps.httpMetrics, logger: deps.logger }));

  const methodsByPath = new Map<string, string[]>();
  for (const operation of deps.operations) {
    app[operation.method](operation.path, async (req, res) => operation.handle(req, res));
    methodsByPath.set(operation.path, [...(methodsByPath.get(operation.path) ?? []), operation.method.toUpperCase()]);
  }
  for (const [path, methods] of methodsByPath) {
    const allow = [...methods, ...(methods.includes('GET') ? ['HEAD'] : [])].join(', ');
    app.all(path, (req, res) => {
      res.setHeader('allow', allow);
      sendProblem(res, new AppError('method_not_allowed', { detail: `${req.method} is not allowed here; use ${allow}.` }), req.path);
    });
  }
  app.use((req, res) => {
    sendProblem(res, new AppError('not_found', { detail: `No route for ${req.method} ${req.path}.` }), req.path);
  });
  app.use(problemErrorHandler(deps.logger));
  return app;
}
