import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One webhook request: the CloudEvent's id, type and subject. */
export interface WebhookHit {
  readonly at: number;
  readonly webhookId: string;
  readonly eventId: string;
  readonly type: string;
  readonly subject: string;
}

/** A local webhook receiver on 127.0.0.1 that answers 204 and records every request. */
export class WebhookSink {
  readonly hits: WebhookHit[] = [];
  #server: Server | undefined;

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        let event: Record<string, unknown> = {};
        try {
          event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        } catch {
          // recorded with an empty event
        }
        const text = (value: unknown) => (typeof value === 'string' ? value : '');
        const header = req.headers['webhook-id'];
        this.hits.push({ at: Date.now(), webhookId: typeof header === 'string' ? header : '', eventId: text(event['id']), type: text(event['type']), subject: text(event['subject']) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
