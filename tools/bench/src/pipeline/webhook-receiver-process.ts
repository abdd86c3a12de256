/**
 * A webhook receiver in its own process (forked by webhook-deliveries.ts), so neither the
 * platform's deliveries nor the baseline's load generator share a CPU with it more than they
 * must. It answers 204 to every POST and records, per request, when it arrived (epoch ms) and
 * how long after the CloudEvent's `time` that was. It does not verify signatures: the figure is
 * the platform's delivery rate, not a consumer's HMAC cost (the e2e tests verify signatures).
 *
 * IPC: sends `{ kind: 'ready', port }`; answers `{ kind: 'report' }` with a {@link ReceiverReport}
 * and `{ kind: 'reset' }` by clearing what it recorded.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the receiver recorded since the last reset. */
export interface ReceiverReport {
  readonly kind: 'report';
  /** Arrival time of each request, epoch ms (sub-millisecond precision), in arrival order. */
  readonly arrivalsMs: readonly number[];
  /** Per request with a CloudEvent body: arrival − event `time`, ms. */
  readonly lagsMs: readonly number[];
  /** Requests whose webhook-id was seen before (retries or duplicates). */
  readonly repeats: number;
}

/** Messages the parent sends. */
export type ReceiverCommand = { readonly kind: 'report' } | { readonly kind: 'reset' };

let arrivalsMs: number[] = [];
let lagsMs: number[] = [];
let seen = new Set<string>();
let repeats = 0;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const arrived = performance.timeOrigin + performance.now();
    arrivalsMs.push(arrived);
    const webhookId = req.headers['webhook-id'];
    if (typeof webhookId === 'string') {
      if (seen.has(webhookId)) repeats += 1;
      else seen.add(webhookId);
    }
    try {
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { time?: unknown };
      if (typeof event.time === 'string') lagsMs.push(arrived - Date.parse(event.time));
    } catch {
      // not a CloudEvent (the baseline's load generator sends one too; anything else is only counted)
    }
    res.writeHead(204);
    res.end();
  });
});
server.keepAliveTimeout = 60_000;

process.on('message', (message: ReceiverCommand) => {
  switch (message.kind) {
    case 'report': {
      const report: ReceiverReport = { kind: 'report', arrivalsMs, lagsMs, repeats };
      process.send?.(report);
      return;
    }
    case 'reset':
      arrivalsMs = [];
      lagsMs = [];
      seen = new Set();
      repeats = 0;
      return;
  }
});
process.on('disconnect', () => server.close(() => process.exit(0)));

server.listen(0, '127.0.0.1', () => {
  process.send?.({ kind: 'ready', port: (server.address() as AddressInfo).port });
});
