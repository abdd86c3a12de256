import { Counter, Histogram, type Registry } from 'prom-client';
import { latencyBuckets } from './metrics-registry.js';

type HttpLabels = 'method' | 'route' | 'status_code';

/** RED metrics for HTTP. `route` is the route template (never the raw path) or `unmatched`. */
export class HttpServerMetrics {
  readonly requests: Counter<HttpLabels>;
  readonly durationSeconds: Histogram<HttpLabels>;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'http_server_requests_total',
      help: 'HTTP requests completed, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      registers: [registry],
    });
    this.durationSeconds = new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Time from receiving an HTTP request to finishing its response.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [...latencyBuckets],
      registers: [registry],
    });
  }

  observe(method: string, route: string, statusCode: number, seconds: number): void {
    const labels = { method, route, status_code: String(statusCode) };
    this.requests.inc(labels);
    this.durationSeconds.observe(labels, seconds);
  }
}
