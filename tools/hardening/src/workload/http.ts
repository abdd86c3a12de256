/** One answer of the platform, as the workload sees it. */
export interface Answer {
  /** HTTP status; 0 when there was no answer (connection refused or reset, timeout). */
  readonly status: number;
  readonly json: Record<string, unknown> | undefined;
  readonly bytes: Buffer;
  readonly retryAfter: string | null;
  readonly contentType: string;
}

export interface CallOptions {
  readonly token?: string;
  readonly json?: unknown;
  readonly body?: Buffer;
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
}

/** Calls the gateway; never throws for a missing answer (status 0), so the workload can count it. */
export async function call(base: string, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  let body: Buffer | string | undefined = options.body;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  try {
    const response = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
    const bytes = Buffer.from(await response.arrayBuffer());
    const contentType = response.headers.get('content-type') ?? '';
    let json: Record<string, unknown> | undefined;
    if (/json/.test(contentType) && bytes.length > 0) {
      try {
        json = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
    }
    return { status: response.status, json, bytes, retryAfter: response.headers.get('retry-after'), contentType };
  } catch {
    return { status: 0, json: undefined, bytes: Buffer.alloc(0), retryAfter: null, contentType: '' };
  }
}
