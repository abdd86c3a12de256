import { CofferApiError, CofferNetworkError } from './coffer-errors.js';
import { apiErrorFromResponse } from './problem-response.js';
import { decideRetry, parseRetryAfter, type AttemptOutcome, type RequestRetryTraits, type RetrySettings } from './retry-policy.js';
import type { TokenSession } from './token-session.js';

/** Query parameters; `undefined` values are left out. */
export type QueryValues = Record<string, string | number | boolean | undefined>;

/** A raw request body (uploads). */
export interface RawBody {
  /** A fresh stream of the bytes, once per attempt. */
  open(): ReadableStream<Uint8Array>;
  /** Whether `open` may be called again (a retry, or a repeat after a token refresh). */
  replayable: boolean;
  /** Content-Length, when known. */
  size?: number | undefined;
}

/** One API call, before authentication and retries. */
export interface OutgoingRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The path from the API root, e.g. `/v1/files/123` (already expanded). */
  path: string;
  query?: QueryValues | undefined;
  headers?: Record<string, string | undefined> | undefined;
  /** A JSON body. */
  json?: unknown;
  /** A raw body; exclusive with `json`. */
  body?: RawBody | undefined;
  /** Send the access token (default true). */
  authenticated?: boolean | undefined;
  /** Sent as `Idempotency-Key`; makes a POST retryable. The same key is kept on every attempt. */
  idempotencyKey?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** What the transport needs; built once by the client. */
export interface HttpTransportOptions {
  baseUrl: URL;
  fetch: typeof globalThis.fetch;
  retry: RetrySettings;
  userAgent: string;
  /** Ceiling on the wait for an answer's headers, per attempt; not applied to requests with a raw body. */
  timeoutMs: number | undefined;
  session: TokenSession;
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  random?: () => number;
  clock?: () => number;
}

/**
 * Sends API calls: adds the access token (refreshing it ahead of expiry, and once after a 401
 * when the request can be repeated), retries what is safe to retry, and turns error answers into
 * {@link CofferApiError} and failed connections into {@link CofferNetworkError}.
 */
export class HttpTransport {
  private readonly sleep: (ms: number, signal: AbortSignal | undefined) => Promise<void>;

  constructor(private readonly options: HttpTransportOptions) {
    this.sleep = options.sleep ?? abortableSleep;
  }

  /** The absolute URL of an API path. */
  url(path: string, query?: QueryValues): URL {
    const base = this.options.baseUrl;
    const url = new URL(`${base.pathname.replace(/\/+$/, '')}${path}`, base);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }

  /** Sends a request; resolves with a 2xx or 304 answer whose body is not read yet. */
  async send(request: OutgoingRequest): Promise<Response> {
    const url = this.url(request.path, request.query);
    const authenticated = request.authenticated ?? true;
    const traits: RequestRetryTraits = {
      method: request.method,
      idempotencyKey: request.idempotencyKey !== undefined,
      ifMatch: Object.entries(request.headers ?? {}).some(([name, value]) => name.toLowerCase() === 'if-match' && value !== undefined),
      replayableBody: request.body === undefined || request.body.replayable,
    };
    const describe = { method: request.method, url: url.pathname };
    let refreshedAfter401 = false;
    for (let attempt = 1; ; attempt += 1) {
      const accessToken = authenticated ? await this.options.session.currentAccessToken() : undefined;
      let response: Response;
      try {
        response = await this.attempt(url, request, accessToken);
      } catch (error) {
        if (request.signal?.aborted) throw request.signal.reason ?? error;
        const decision = decideRetry(traits, { kind: 'network-error' }, attempt, this.options.retry, this.options.random);
        if (decision.retry) {
          await this.sleep(decision.delayMs, request.signal);
          continue;
        }
        throw networkError(error, describe);
      }
      if (response.ok || response.status === 304) return response;

      if (response.status === 401 && authenticated && !refreshedAfter401 && traits.replayableBody) {
        refreshedAfter401 = true;
        const original = await apiErrorFromResponse(response, describe, this.options.clock);
        let retryWithNewToken: boolean;
        try {
          retryWithNewToken = await this.options.session.refreshAfterRejection(accessToken);
        } catch (refreshError) {
          // A refused refresh means the 401 stands; a refresh that never got an answer is the news.
          if (refreshError instanceof CofferApiError) throw original;
          throw refreshError;
        }
        if (!retryWithNewToken) throw original;
        attempt -= 1; // the repeat with a fresh token is not a retry
        continue;
      }

      const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'), (this.options.clock ?? Date.now)());
      const outcome: AttemptOutcome = { kind: 'answer', status: response.status, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
      const decision = decideRetry(traits, outcome, attempt, this.options.retry, this.options.random);
      if (decision.retry) {
        await response.body?.cancel().catch(() => undefined);
        await this.sleep(decision.delayMs, request.signal);
        continue;
      }
      throw await apiErrorFromResponse(response, describe, this.options.clock);
    }
  }

  /** Sends a request and parses its JSON answer (`undefined` for an empty one, e.g. 204). */
  async json<T>(request: OutgoingRequest): Promise<T> {
    const response = await this.send(request);
    return (await readJson(response)) as T;
  }

  private async attempt(url: URL, request: OutgoingRequest, accessToken: string | undefined): Promise<Response> {
    const headers = new Headers();
    headers.set('user-agent', this.options.userAgent);
    headers.set('accept', 'application/json, application/problem+json;q=0.9, */*;q=0.8');
    for (const [name, value] of Object.entries(request.headers ?? {})) if (value !== undefined) headers.set(name, value);
    if (accessToken !== undefined) headers.set('authorization', `Bearer ${accessToken}`);
    if (request.idempotencyKey !== undefined) headers.set('idempotency-key', request.idempotencyKey);

    const init: RequestInit & { duplex?: 'half' } = { method: request.method, headers, redirect: 'follow' };
    if (request.json !== undefined) {
      headers.set('content-type', 'application/json');
      init.body = JSON.stringify(request.json);
    } else if (request.body !== undefined) {
      if (request.body.size !== undefined) headers.set('content-length', String(request.body.size));
      init.body = request.body.open();
      // Node's fetch sends a stream body only half-duplex: the answer is read after the body is sent.
      init.duplex = 'half';
    }

    const timeoutMs = request.body === undefined ? this.options.timeoutMs : undefined;
    if (timeoutMs === undefined) {
      if (request.signal) init.signal = request.signal;
      return this.options.fetch(url, init);
    }
    // A timer cleared once the headers are in, so it never cuts off a body being streamed.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new CofferNetworkError(`No answer within ${timeoutMs} ms`)), timeoutMs);
    init.signal = request.signal ? AbortSignal.any([request.signal, timeout.signal]) : timeout.signal;
    try {
      return await this.options.fetch(url, init);
    } catch (error) {
      if (timeout.signal.aborted && !request.signal?.aborted) throw timeout.signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The JSON body of an answer, or `undefined` when it has none. */
export async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  return text === '' ? undefined : JSON.parse(text);
}

function networkError(error: unknown, request: { method: string; url: string }): CofferNetworkError {
  if (error instanceof CofferNetworkError) return error;
  const cause = error instanceof Error ? error : new Error(String(error));
  const inner = cause.cause instanceof Error ? `: ${(cause.cause as Error & { code?: string }).code ?? cause.cause.message}` : '';
  return new CofferNetworkError(`${request.method} ${request.url} failed: ${cause.message}${inner}`, { cause: error });
}

function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException('The operation was aborted.', 'AbortError');
}
