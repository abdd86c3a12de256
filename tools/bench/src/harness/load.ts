import autocannon from 'autocannon';

/** One load run's figures: successful requests per second and latency percentiles in ms. */
export interface LoadFigures {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** Successful requests in the run. */
  readonly requests: number;
}

export interface LoadOptions {
  /** Base URL (scheme, host, port); each request names its own path. */
  readonly url: string;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly requests: autocannon.Request[];
  readonly headers?: Record<string, string>;
  /** A warm-up: its figures are thrown away, so nothing is checked (a short run may finish no request). */
  readonly warmUp?: boolean;
}

/**
 * Runs autocannon in this process and fails when more than 0.1 % of the answers are not 2xx:
 * a benchmark that counts errors as throughput measures nothing.
 */
export async function runLoad(options: LoadOptions): Promise<LoadFigures> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    requests: options.requests,
    ...(options.headers ? { headers: options.headers } : {}),
  });
  const ok = result['2xx'];
  const failed = result.non2xx + result.errors + result.timeouts;
  if (options.warmUp !== true && (ok === 0 || failed > ok / 1000)) {
    throw new Error(`load on ${options.url} got ${ok} 2xx, ${result.non2xx} non-2xx (${JSON.stringify(result.statusCodeStats ?? {})}), ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return { requestsPerSecond: ok / result.duration, p50: result.latency.p50, p99: result.latency.p99, requests: ok };
}
