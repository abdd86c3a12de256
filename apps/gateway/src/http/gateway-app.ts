import express, { type Express } from 'express';
import { AppError, type HttpServerMetrics, type Logger, type Tracing } from '@coffer/platform';
import { restOperations, type RestOperation } from '@coffer/contracts';
import { expressPath, type OperationHandlers } from './operation.js';
import { problemErrorHandler, sendProblem } from './problem-response.js';
import { requestTelemetry } from './request-telemetry.js';

export interface GatewayAppDeps {
  logger: Logger;
  tracing: Tracing;
  httpMetrics: HttpServerMetrics;
  handlers: OperationHandlers;
  /** The contract's operations; defaults to every operation of openapi/coffer.yaml. */
  operations?: readonly RestOperation[];
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

  const operations = [...(deps.operations ?? restOperations)].sort(staticSegmentsFirst);
  const methodsByPath = new Map<string, string[]>();
  for (const operation of operations) {
    const path = expressPath(operation);
    const handler = deps.handlers[operation.operationId];
    app[operation.method](
      path,
      handler
        ? async (req, res) => handler(req, res)
        : (req, res) => sendProblem(res, new AppError('not_implemented', { detail: `${operation.operationId} is not implemented yet.` }), req.path),
    );
    methodsByPath.set(path, [...(methodsByPath.get(path) ?? []), operation.method.toUpperCase()]);
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

/** `/v1/users/me` must be routed before `/v1/users/{userId}`. */
function staticSegmentsFirst(a: RestOperation, b: RestOperation): number {
  const rank = (operation: RestOperation) => operation.path.split('/').map((segment) => (segment.startsWith('{') ? '1' : '0')).join('');
  return rank(a).localeCompare(rank(b));
}
