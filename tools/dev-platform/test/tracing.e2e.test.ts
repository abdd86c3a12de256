import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificates } from '@coffer/pki';
import { ALL_SERVICES } from '@coffer/platform';
import { launchPlatform, type RunningPlatform } from '../src/launch-platform.js';
import { PlatformClient } from './platform-client.js';
import { productionTarget } from './storage-targets.js';
import { WebhookReceiver } from './webhook-receiver.js';

/** OTLP span kinds (the protocol numbers them from 1, unlike the API enum). */
const KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;
const KIND_NAME = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

/** One span as the OTLP/HTTP JSON encoding sends it, flattened with its service. */
interface CollectedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  readonly links: readonly { readonly traceId: string; readonly spanId: string }[];
}

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: OtlpAttribute[];
  links?: { traceId: string; spanId: string }[];
}
interface OtlpRequest {
  resourceSpans?: { resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

function attributesOf(list: readonly OtlpAttribute[] | undefined): Record<string, string | number | boolean> {
  const result: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    const plain = value.stringValue ?? value.intValue ?? value.doubleValue ?? value.boolValue;
    if (plain !== undefined) result[key] = typeof plain === 'string' && value.intValue !== undefined ? Number(plain) : plain;
  }
  return result;
}

/**
 * An OTLP/HTTP traces receiver on 127.0.0.1, as a collector would be: the services'
 * OTLPTraceExporter (exporter-trace-otlp-http, JSON encoding: hex ids, numeric kinds) posts to
 * /v1/traces and every span is kept.
 */
class OtlpCollector {
  readonly spans: CollectedSpan[] = [];
  #server: Server | undefined;

  get url(): string {
    const address = this.#server?.address() as AddressInfo | undefined;
    return `http://127.0.0.1:${address?.port ?? 0}/v1/traces`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        try {
          let body = Buffer.concat(chunks);
          if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
          if (req.url === '/v1/traces' && String(req.headers['content-type']).startsWith('application/json')) this.#collect(JSON.parse(body.toString('utf8')) as OtlpRequest);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{}');
        } catch {
          res.writeHead(400);
          res.end();
        }
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }

  #collect(request: OtlpRequest): void {
    for (const resourceSpans of request.resourceSpans ?? []) {
      const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name'] ?? 'unknown');
      for (const scope of resourceSpans.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          this.spans.push({
            service,
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId ?? '',
            name: span.name,
            kind: span.kind,
            attributes: attributesOf(span.attributes),
            links: (span.links ?? []).map((link) => ({ traceId: link.traceId, spanId: link.spanId })),
          });
        }
      }
    }
  }
}

/** The spans the assertions need, found in one trace; undefined members are not there (yet). */
function findTree(all: readonly CollectedSpan[], traceId: string, callerSpanId: string, eventId: string) {
  const spans = all.filter((span) => span.traceId === traceId);
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const descends = (span: CollectedSpan | undefined, ancestor: CollectedSpan | undefined): boolean => {
    if (span === undefined || ancestor === undefined) return false;
    for (let at = byId.get(span.parentSpanId); at !== undefined; at = byId.get(at.parentSpanId)) if (at.spanId === ancestor.spanId) return true;
    return false;
  };
  const childOf = (parent: CollectedSpan | undefined, test: (span: CollectedSpan) => boolean) =>
    parent === undefined ? undefined : spans.find((span) => span.parentSpanId === parent.spanId && test(span));

  const http = spans.find((span) => span.service === 'gateway' && span.kind === KIND.server && span.parentSpanId === callerSpanId);
  const gatewayClient = childOf(http, (span) => span.service === 'gateway' && span.kind === KIND.client && span.name.includes('.FileService/'));
  const fileServer = childOf(gatewayClient, (span) => span.service === 'file' && span.kind === KIND.server);
  const metadataServer = spans.find((span) => span.service === 'metadata' && span.kind === KIND.server && descends(span, fileServer));
  const publish = spans.find(
    (span) => span.service === 'metadata' && span.kind === KIND.producer && span.name.startsWith('publish ') && span.attributes['messaging.message.id'] === eventId,
  );
  const auditProcess = childOf(publish, (span) => span.service === 'audit' && span.kind === KIND.consumer && span.name.startsWith('process '));
  const webhookProcess = childOf(publish, (span) => span.service === 'webhook' && span.kind === KIND.consumer && span.name.startsWith('process '));
  // The batch insert is the child of the first event's process span, and links to every event's.
  const auditInsert =
    childOf(auditProcess, (span) => span.name === 'audit insert') ??
    (auditProcess === undefined ? undefined : all.find((span) => span.name === 'audit insert' && span.links.some((link) => link.spanId === auditProcess.spanId)));
  const fanout = childOf(webhookProcess, (span) => span.service === 'webhook' && span.name === 'webhook fanout');
  const deliver = spans.find(
    (span) => span.service === 'webhook' && span.kind === KIND.client && span.name === 'webhook deliver' && span.attributes['messaging.message.id'] === eventId,
  );
  return { spans, descends, http, gatewayClient, fileServer, metadataServer, publish, auditProcess, webhookProcess, auditInsert, fanout, deliver };
}

/** The trace as an indented tree, one span a line (linked spans of other traces under their link). */
function printTree(spans: readonly CollectedSpan[], extra: readonly CollectedSpan[]): string {
  const lines: string[] = [];
  const ids = new Set(spans.map((span) => span.spanId));
  const visit = (span: CollectedSpan, depth: number): void => {
    const status = span.attributes['http.response.status_code'] ?? span.attributes['rpc.grpc.status_code'];
    lines.push(`${'  '.repeat(depth)}${span.service}: ${span.name} [${KIND_NAME[span.kind] ?? span.kind}]${status === undefined ? '' : ` status=${String(status)}`}`);
    for (const child of spans.filter((candidate) => candidate.parentSpanId === span.spanId)) visit(child, depth + 1);
    for (const linked of extra.filter((candidate) => candidate.links.some((link) => link.spanId === span.spanId))) {
      lines.push(`${'  '.repeat(depth + 1)}~> ${linked.service}: ${linked.name} [linked, trace ${linked.traceId.slice(0, 8)}…]`);
    }
  };
  for (const root of spans.filter((span) => !ids.has(span.parentSpanId))) visit(root, 0);
  return lines.join('\n');
}

describe('one trace follows an upload from the gateway to the audit insert and the webhook delivery (production engines)', () => {
  const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const workDir = mkdtempSync(join(tmpdir(), 'coffer-e2e-tracing-'));
  const collector = new OtlpCollector();
  const receiver = new WebhookReceiver();
  let platform: RunningPlatform | undefined;
  let api: PlatformClient | undefined;
  let tearDown: () => Promise<void> = () => Promise.resolve();

  beforeAll(async () => {
    await collector.start();
    await receiver.start();
    const setup = await productionTarget.setUp(workDir);
    tearDown = () => setup.tearDown();
    await ensureDevCertificates(join(workDir, 'certs'), ALL_SERVICES);
    platform = launchPlatform({
      rootDir,
      certDir: join(workDir, 'certs'),
      dataDir: join(workDir, 'data'),
      portOffset: 5_000,
      env: {
        ...setup.env,
        COFFER_OTLP_TRACES_ENDPOINT: collector.url,
        // The batch span processor exports every 200 ms instead of every 5 s.
        OTEL_BSP_SCHEDULE_DELAY: '200',
        COFFER_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
        COFFER_WEBHOOK_ALLOW_HTTP: 'true',
        COFFER_WEBHOOK_TIMEOUT_MS: '2000',
        COFFER_LOG_LEVEL: 'warn',
        // The production target shares one Redis with the other suites: sign-ups and logins from
        // 127.0.0.1 earlier in the run count against the per-address limits.
        COFFER_RATE_LIMIT_CREDENTIALS: '10000',
        COFFER_RATE_LIMIT_ANONYMOUS: '10000',
        COFFER_RATE_LIMIT_BAD_TOKENS: '10000',
        COFFER_RATE_LIMIT_USER: '100000',
        COFFER_SIGNUPS_PER_ADDRESS: '1000',
        COFFER_LOGIN_ATTEMPTS_PER_ADDRESS: '1000',
      },
      onLine: () => undefined,
    });
    await platform.waitUntilHealthy(120_000);
    api = new PlatformClient(platform.gatewayUrl);
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
    await tearDown();
    await receiver.stop();
    await collector.stop();
    expect(api?.violations ?? [], 'responses that break openapi/coffer.yaml').toEqual([]);
    rmSync(workDir, { recursive: true, force: true });
  });

  it('links the gateway, gRPC calls, outbox publish, Kafka consumers, audit insert and webhook delivery in one trace', async () => {
    if (api === undefined) throw new Error('the platform did not start');
    const owner = await api.signIn('tracing-owner@example.com');
    const created = await api.call('POST', '/v1/webhooks', { token: owner.token, json: { url: receiver.url, eventTypes: ['file.uploaded'], description: 'tracing e2e' } });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    receiver.secrets = [String(created.json?.['secret'])];

    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const uploaded = await api.upload(owner.token, 'traced.txt', 'follow me', { headers: { traceparent: `00-${traceId}-${callerSpanId}-01` } });
    expect(uploaded.status).toBe(201);
    const fileId = String(uploaded.json?.['id']);

    const hook = (await receiver.until((all) => all.some((candidate) => candidate.event.subject === fileId), 60_000)).find((candidate) => candidate.event.subject === fileId);
    // The delivered webhook is the one of this upload.
    expect(hook).toMatchObject({ verified: true, event: { type: 'file.uploaded', subject: fileId } });
    const eventId = hook?.event.id ?? '';

    let tree = findTree(collector.spans, traceId, callerSpanId, eventId);
    const deadline = Date.now() + 30_000;
    const complete = () =>
      [tree.http, tree.gatewayClient, tree.fileServer, tree.metadataServer, tree.publish, tree.auditProcess, tree.webhookProcess, tree.auditInsert, tree.fanout, tree.deliver].every(
        (span) => span !== undefined,
      );
    while (!complete() && Date.now() < deadline) {
      await new Promise((wait) => setTimeout(wait, 200));
      tree = findTree(collector.spans, traceId, callerSpanId, eventId);
    }
    const linked = collector.spans.filter((span) => span.traceId !== traceId && span.links.some((link) => link.traceId === traceId));
    console.info(`trace ${traceId} (${tree.spans.length} spans):\n${printTree(tree.spans, linked)}`);

    // Everything below is in the one trace the caller started (the linked insert aside).
    expect(tree.http, 'gateway HTTP server span, child of the caller').toBeDefined();
    expect(tree.http?.name).toMatch(/^POST /);
    expect(tree.gatewayClient, 'gateway gRPC client span to the file service').toBeDefined();
    expect(tree.fileServer, 'file service gRPC server span').toBeDefined();
    expect(tree.metadataServer, 'metadata gRPC server span under the file service').toBeDefined();
    expect(tree.publish, 'outbox publish span of the metadata service').toBeDefined();
    expect(tree.publish?.attributes['messaging.destination.name']).toMatch(/^coffer\.file\.v1$/);
    expect(tree.descends(tree.publish, tree.http), 'publish descends from the request').toBe(true);
    expect(tree.auditProcess, 'audit process span whose parent is the publish span').toBeDefined();
    expect(tree.auditProcess?.attributes['messaging.consumer.group.name']).toBe('audit');
    expect(tree.webhookProcess, 'webhook process span whose parent is the publish span').toBeDefined();
    expect(tree.webhookProcess?.attributes['messaging.consumer.group.name']).toBe('webhook');
    expect(tree.auditInsert, 'audit insert under (or linked to) the audit process span').toBeDefined();
    expect(tree.fanout, 'webhook fanout under the webhook process span').toBeDefined();
    expect(tree.deliver, 'webhook deliver span').toBeDefined();
    expect(tree.deliver?.attributes['http.response.status_code']).toBeGreaterThanOrEqual(200);
    expect(tree.deliver?.attributes['http.response.status_code']).toBeLessThan(300);
    expect(tree.descends(tree.deliver, tree.http), 'the delivery descends from the request').toBe(true);
    expect(new Set(tree.spans.map((span) => span.traceId))).toEqual(new Set([traceId]));
  }, 120_000);
});
