import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { httpHeadersGetter, runWithRequestContext, sanitizeRequestId, type HttpServerMetrics, type Logger, type Tracing } from '@coffer/platform';

/**
 * First middleware of every request: assigns the request id (a caller's plain `x-request-id` is
 * kept), continues the caller's W3C trace, runs the rest of the request in that context, and on
 * finish records RED metrics by route template and one access log line.
 */
export function requestTelemetry(deps: { tracing: Tracing; metrics: HttpServerMetrics; logger: Logger }): RequestHandler {
  return (req, res, next) => {
    const requestId = sanitizeRequestId(req.header('x-request-id')) ?? randomUUID();
    res.setHeader('x-request-id', requestId);
    const parent = deps.tracing.propagator.extract(ROOT_CONTEXT, req.headers, httpHeadersGetter);
    const span = deps.tracing.tracer.startSpan(`${req.method} ${req.path}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method } }, parent);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // Route templates only: raw paths would make label values unbounded.
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      deps.metrics.observe(req.method, route, res.statusCode, seconds);
      span.updateName(`${req.method} ${route}`);
      span.setAttribute('http.response.status_code', res.statusCode);
      span.setAttribute('http.route', route);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      deps.logger.info(
        { method: req.method, route, status: res.statusCode, duration_ms: seconds * 1000, request_id: requestId, trace_id: span.spanContext().traceId },
        'request completed',
      );
    });
    context.with(trace.setSpan(parent, span), () => runWithRequestContext({ requestId }, next));
  };
}
