import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request the receiver got. */
export interface ReceivedWebhook {
  readonly id: string;
  readonly timestamp: string;
  readonly signatures: readonly string[];
  readonly body: string;
  readonly event: { readonly id: string; readonly type: string; readonly subject: string; readonly data: Record<string, unknown> };
  /** Whether the official `standardwebhooks` package verified it with the receiver's secret. */
  readonly verified: boolean;
  /** Which of the extra secrets (rotation) also verify it. */
  readonly verifiedWith: readonly string[];
}

/** How the receiver answers: a status (with optional Retry-After), or after a delay. */
export interface ReceiverBehaviour {
  readonly status: number;
  readonly delayMs?: number;
  readonly retryAfter?: string;
}

/**
 * A webhook consumer on 127.0.0.1, as a customer would write one: it verifies each request with
 * the official `standardwebhooks` package against the secret(s) it was given and records it.
 * It can be stopped and started again on the same port (an outage) and told how to answer.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  behaviour: ReceiverBehaviour = { status: 204 };
  secrets: string[] = [];
  #server: Server | undefined;
  #port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.#port}/hooks`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.#record(req.headers, body);
        const { status, delayMs, retryAfter } = this.behaviour;
        const answer = () => {
          if (res.destroyed) return;
          res.writeHead(status, retryAfter === undefined ? {} : { 'retry-after': retryAfter });
          res.end();
        };
        if (delayMs === undefined) answer();
        else setTimeout(answer, delayMs);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Stops listening and drops open connections: the endpoint refuses connections until started again. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #record(headers: IncomingHttpHeaders, body: string): void {
    const header = (name: string) => (typeof headers[name] === 'string' ? headers[name] : '');
    const flat = { 'webhook-id': header('webhook-id'), 'webhook-timestamp': header('webhook-timestamp'), 'webhook-signature': header('webhook-signature') };
    const verifiedWith = this.secrets.filter((secret) => {
      try {
        new Webhook(secret).verify(body, flat);
        return true;
      } catch {
        return false;
      }
    });
    let event: ReceivedWebhook['event'] = { id: '', type: '', subject: '', data: {} };
    try {
      event = JSON.parse(body) as ReceivedWebhook['event'];
    } catch {
      // recorded as is; the test sees an empty event
    }
    this.received.push({
      id: flat['webhook-id'],
      timestamp: flat['webhook-timestamp'],
      signatures: flat['webhook-signature'].split(' '),
      body,
      event,
      verified: verifiedWith.length > 0,
      verifiedWith,
    });
  }

  /** Waits until `predicate` holds for what was received, or `timeoutMs` passed. */
  async until(predicate: (received: readonly ReceivedWebhook[]) => boolean, timeoutMs: number): Promise<readonly ReceivedWebhook[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.received) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    return this.received;
  }
}
