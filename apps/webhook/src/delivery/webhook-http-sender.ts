import { errors } from '@coffer/platform';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { AddressPolicy } from './address-policy.js';
import { PinnedResolver, pinnedLookup, type PinnedAddress, type Resolve } from './pinned-resolver.js';
import { parseRetryAfter } from './retry-after.js';

/** The User-Agent of every delivery. */
export const WEBHOOK_USER_AGENT = 'Coffer-Webhooks/1';

/** One delivery attempt: always a POST of a JSON body. */
export interface WebhookHttpRequest {
  readonly url: string;
  /**
   * Extra headers, such as the Standard Webhooks `webhook-id`, `webhook-timestamp` and
   * `webhook-signature`. `host`, `content-type`, `content-length`, `user-agent`, `connection` and
   * `transfer-encoding` belong to the sender and are overridden.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** The exact bytes that were signed. */
  readonly body: string | Uint8Array;
}

/** The receiver answered with a status (any status: 2xx, 3xx, 4xx, 5xx). */
export interface WebhookHttpResponse {
  readonly kind: 'response';
  readonly status: number;
  /** From `Retry-After`, when present and valid; see {@link parseRetryAfter}. */
  readonly retryAfterSeconds?: number;
  readonly durationMs: number;
  /** The start of the response body as UTF-8 (at most `maxResponseBytes` bytes of it). */
  readonly bodyExcerpt: string;
  /** True when the body was longer than `maxResponseBytes` and the rest was not read. */
  readonly bodyTruncated: boolean;
}

/** Why an attempt produced no response. */
export type WebhookHttpFailureReason = 'timeout' | 'refused_address' | 'dns' | 'connection' | 'invalid_url' | 'response_too_large';

/** The attempt produced no usable response. `detail` is safe to show the subscription's owner. */
export interface WebhookHttpFailure {
  readonly kind: 'failed';
  readonly reason: WebhookHttpFailureReason;
  readonly detail: string;
  readonly durationMs: number;
}

/** The outcome of {@link WebhookHttpSender.send}. */
export type WebhookHttpResult = WebhookHttpResponse | WebhookHttpFailure;

/** Options of {@link WebhookHttpSender}. */
export interface WebhookHttpSenderOptions {
  /** Which addresses may be connected to. Defaults to a policy with no allowlist (public only). */
  readonly addressPolicy?: AddressPolicy;
  /** Defaults to the system resolver. */
  readonly resolve?: Resolve;
  /** Deadline of the whole attempt: resolution, connect, TLS, request and response body. Default 10 s. */
  readonly timeoutMs?: number;
  /** How much of the response body is read before the connection is dropped. Default 64 KiB. */
  readonly maxResponseBytes?: number;
  /** Allow `http:` URLs. Default false: only `https:`. For local development and tests. */
  readonly allowHttp?: boolean;
}

const defaultTimeoutMs = 10_000;
const defaultMaxResponseBytes = 64 * 1024;
// Idle pooled sockets are closed after this long, below the 5 s keep-alive timeout of Node
// servers and well below nginx's 75 s, so that a reused socket is rarely one the receiver is
// closing at that moment. A `Keep-Alive: timeout=N` hint from the receiver shortens it further.
const idleSocketTimeoutMs = 4_000;
// Per receiver (hostname, port and pinned address): bounds how hard one slow receiver can pull
// on our sockets. Requests over the limit wait in the agent, inside their own deadline.
const maxSocketsPerReceiver = 16;
const senderOwnedHeaders = new Set(['host', 'content-type', 'content-length', 'user-agent', 'connection', 'transfer-encoding']);

/**
 * Sends webhook deliveries over HTTP(S) without letting a subscription URL reach inside our
 * network (SSRF):
 *
 * - The URL's host is resolved once and every address it resolves to must pass the
 *   {@link AddressPolicy}; the socket then connects to exactly that checked address through a
 *   pinned `lookup`, so a second DNS answer (DNS rebinding) is never used. `Host`, TLS SNI and
 *   certificate verification still use the hostname.
 * - Redirects are not followed: a 3xx is a response like any other non-2xx, since following it
 *   would connect to an unchecked URL.
 * - One deadline covers the whole attempt, and at most `maxResponseBytes` of the body are read.
 *
 * Decisions worth knowing:
 * - A body longer than `maxResponseBytes` keeps its status (`bodyTruncated: true`) and the
 *   socket is destroyed. The status is what decides delivery; calling a 200 with a big body a
 *   failure would redeliver an event that was accepted. `response_too_large` is the outcome when
 *   the response headers exceed Node's 16 KiB limit, as no status can be trusted then.
 * - The deadline covers the body too: a receiver that sends its status and then stalls gets
 *   `timeout`, like one that never answers. Receivers dedupe on `webhook-id` anyway.
 * - Connections are kept alive and pooled per hostname, port *and pinned address* (the agents
 *   below add the address to the pool key), so a pooled socket is only reused for a request
 *   whose own resolution pinned the same, checked, address. Keying on hostname alone would be
 *   safe too (a pooled socket was checked when it connected) but would hide a changed DNS answer.
 *
 * `send` never throws for network outcomes; it throws only for programming errors such as
 * invalid header names or values.
 */
export class WebhookHttpSender {
  private readonly resolver: PinnedResolver;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly allowHttp: boolean;
  private readonly httpAgent = new PinnedHttpAgent({ keepAlive: true, timeout: idleSocketTimeoutMs, maxSockets: maxSocketsPerReceiver });
  private readonly httpsAgent = new PinnedHttpsAgent({ keepAlive: true, timeout: idleSocketTimeoutMs, maxSockets: maxSocketsPerReceiver });

  constructor(options: WebhookHttpSenderOptions = {}) {
    this.resolver = new PinnedResolver({ policy: options.addressPolicy ?? new AddressPolicy(), resolve: options.resolve });
    this.timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    this.maxResponseBytes = options.maxResponseBytes ?? defaultMaxResponseBytes;
    this.allowHttp = options.allowHttp ?? false;
  }

  /** POSTs `request.body` to `request.url` once. Resolves with the response or the reason there was none. */
  async send(request: WebhookHttpRequest): Promise<WebhookHttpResult> {
    const startedAt = performance.now();
    const elapsed = (): number => Math.round(performance.now() - startedAt);
    const failed = (reason: WebhookHttpFailureReason, detail: string): WebhookHttpFailure => ({ kind: 'failed', reason, detail, durationMs: elapsed() });

    const headers = this.buildHeaders(request);
    const target = this.parseTarget(request.url);
    if (typeof target === 'string') return failed('invalid_url', target);

    let resolutionTimer: NodeJS.Timeout | undefined;
    const resolutionDeadline = new Promise<'timeout'>((resolve) => {
      resolutionTimer = setTimeout(() => resolve('timeout'), this.timeoutMs);
    });
    // dns.lookup cannot be cancelled; past the deadline its answer is simply not used.
    const pin = await Promise.race([this.resolver.pin(target.hostname), resolutionDeadline]);
    clearTimeout(resolutionTimer);
    if (pin === 'timeout') return failed('timeout', `the host name did not resolve within ${this.timeoutMs} ms`);
    if (!pin.ok) return failed(pin.reason, pin.detail);
    return this.exchange(target, pin.pinned, headers, request.body, elapsed);
  }

  /** Closes pooled connections. Requests in flight are not waited for. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** The URL if it may be sent to, or why not. */
  private parseTarget(text: string): URL | string {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return 'the URL cannot be parsed';
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.allowHttp)) {
      return this.allowHttp ? 'only http and https URLs can receive webhooks' : 'only https URLs can receive webhooks';
    }
    if (url.username !== '' || url.password !== '') return 'URLs with credentials (user:password@) are not accepted';
    return url;
  }

  private buildHeaders(request: WebhookHttpRequest): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      try {
        http.validateHeaderName(name);
        http.validateHeaderValue(name, value);
      } catch {
        throw errors.invalidArgument(`invalid webhook header ${JSON.stringify(name)}`);
      }
      const lower = name.toLowerCase();
      if (!senderOwnedHeaders.has(lower)) headers[lower] = value;
    }
    headers['content-type'] = 'application/json';
    headers['user-agent'] = WEBHOOK_USER_AGENT;
    headers['content-length'] = String(typeof request.body === 'string' ? Buffer.byteLength(request.body) : request.body.byteLength);
    return headers;
  }

  /**
   * One request on a socket connected to `pinned.address`. Resolves once with the outcome, at
   * the latest when the attempt's deadline (counted from the start of `send`) passes.
   */
  private exchange(
    url: URL,
    pinned: PinnedAddress,
    headers: Record<string, string>,
    body: string | Uint8Array,
    elapsed: () => number,
  ): Promise<WebhookHttpResult> {
    const isHttps = url.protocol === 'https:';
    const options: PinnedRequestOptions = {
      method: 'POST',
      protocol: url.protocol,
      // The hostname, not the address: the Host header and the pool key use it, and `lookup`
      // turns it into the pinned address without asking DNS.
      hostname: pinned.hostname,
      port: url.port === '' ? (isHttps ? 443 : 80) : Number(url.port),
      path: `${url.pathname}${url.search}`,
      headers,
      agent: isHttps ? this.httpsAgent : this.httpAgent,
      lookup: pinnedLookup(pinned),
      [pinnedAddressOption]: pinned.address,
      // SNI and certificate checks on the name; SNI must not carry an IP literal (RFC 6066).
      ...(isHttps && isIP(pinned.hostname) === 0 ? { servername: pinned.hostname } : {}),
    };

    return new Promise<WebhookHttpResult>((resolve) => {
      let settled = false;
      const settle = (result: WebhookHttpResult): void => {
        if (settled) return;
        settled = true;
        resolve(result);
      };
      const deadline = setTimeout(() => {
        settle({ kind: 'failed', reason: 'timeout', detail: `no complete response within ${this.timeoutMs} ms`, durationMs: elapsed() });
        request.destroy();
      }, Math.max(0, this.timeoutMs - elapsed()));
      const finish = (result: WebhookHttpResult): void => {
        clearTimeout(deadline);
        settle(result);
      };

      const request = (isHttps ? https : http).request(options, (response) => {
        const chunks: Buffer[] = [];
        let received = 0;
        const respond = (truncated: boolean): void => {
          const retryAfterSeconds = parseRetryAfter(response.headers['retry-after']);
          finish({
            kind: 'response',
            status: response.statusCode ?? 0,
            ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
            durationMs: elapsed(),
            bodyExcerpt: new TextDecoder().decode(Buffer.concat(chunks)),
            bodyTruncated: truncated,
          });
        };
        response.on('data', (chunk: Buffer) => {
          if (settled) return;
          const room = this.maxResponseBytes - received;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, room));
            received = this.maxResponseBytes;
            respond(true);
            // The rest is never read: drop the connection rather than drain an unbounded body.
            request.destroy();
            return;
          }
          chunks.push(chunk);
          received += chunk.length;
        });
        response.on('end', () => respond(false));
        response.on('error', (error) => finish(failureFromError(error, elapsed())));
      });
      request.on('error', (error) => finish(failureFromError(error, elapsed())));
      request.end(body);
    });
  }
}

function failureFromError(error: Error, durationMs: number): WebhookHttpFailure {
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  if (code === 'HPE_HEADER_OVERFLOW') {
    return { kind: 'failed', reason: 'response_too_large', detail: 'the response headers are larger than 16 KiB', durationMs };
  }
  if (code?.startsWith('HPE_') === true) {
    return { kind: 'failed', reason: 'connection', detail: `the response is not valid HTTP (${code})`, durationMs };
  }
  // The code only (ECONNREFUSED, ECONNRESET, CERT_HAS_EXPIRED, ...): messages carry addresses.
  return { kind: 'failed', reason: 'connection', detail: `the connection failed (${code ?? 'socket error'})`, durationMs };
}

// A request option that only the agents below read: Node hands request options to
// `Agent.getName`, which names the connection pool.
const pinnedAddressOption = 'cofferPinnedAddress';

type PinnedRequestOptions = https.RequestOptions & { [pinnedAddressOption]: string };

function pinnedAddressKey(options: object | undefined): string {
  const value: unknown = options !== undefined && pinnedAddressOption in options ? options[pinnedAddressOption] : undefined;
  return typeof value === 'string' ? value : '';
}

/** An `http.Agent` whose pools are per pinned address as well as per host and port. */
class PinnedHttpAgent extends http.Agent {
  override getName(options?: http.ClientRequestArgs): string {
    return `${super.getName(options)}:${pinnedAddressKey(options)}`;
  }
}

/** An `https.Agent` whose pools (and TLS session cache) are per pinned address as well. */
class PinnedHttpsAgent extends https.Agent {
  override getName(options?: https.RequestOptions): string {
    return `${super.getName(options)}:${pinnedAddressKey(options)}`;
  }
}
