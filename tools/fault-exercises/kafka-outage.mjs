// Fault exercise: the Kafka broker stops for a while under steady upload/download load.
//
//   node tools/fault-exercises/kafka-outage.mjs [--warmup 60] [--outage 90] [--recovery 60]
//        [--concurrency 8] [--port-offset 4000] [--drain-timeout 600] [--shared-kafka] [--keep]
//   (--keep keeps the work dir with every service's log lines)
//
// Plain ESM JavaScript on purpose: Node 20 cannot run TypeScript without a build step, and this
// script only drives the built platform (`make build`) the way the end-to-end tests do.
//
// What it does (README.md next to this file): starts the eight services on the production
// engines (a temporary PostgreSQL database, an S3 bucket, Kafka, Redis, audit on ClickHouse),
// signs up a user, subscribes a local webhook receiver to file.uploaded, runs the load, stops
// the broker (SIGTERM, as `engines.sh down kafka` does), starts it again, stops the load, waits
// until everything drained, then verifies downloads, the audit trail and the webhook deliveries.
// Every second it writes one JSON line (requests, metrics of every service, /v1/health) to
// tools/fault-exercises/results/kafka-outage-<UTC date>.jsonl, and prints a summary.
//
// By default the broker is a private one (same jars and settings as tools/engines/kafka.sh, on
// ports 59192/59193), so that stopping it does not break tests that others run against the
// shared engines at the same time. --shared-kafka stops and starts the shared broker with
// tools/engines/engines.sh instead.

import { spawn, execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, appendFileSync, openSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client as MinioClient } from 'minio';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { launchPlatform } = await import(join(ROOT, 'tools/dev-platform/dist/launch-platform.js'));
const { ensureDevCertificates } = await import(join(ROOT, 'libs/pki/dist/index.js'));
const { ALL_SERVICES } = await import(join(ROOT, 'libs/platform/dist/index.js'));
const { createTemporaryPostgresDatabase, loadEngineEndpoints } = await import(join(ROOT, 'libs/testing/dist/index.js'));
const { createObjectStoreFromUrl } = await import(join(ROOT, 'libs/object-storage/dist/index.js'));

// ------------------------------------------------------------------ options

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  if (index === -1) return fallback;
  if (typeof fallback === 'boolean') return true;
  const value = Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} needs a number`);
  return value;
}
const OPTIONS = Object.freeze({
  warmupS: option('warmup', 60),
  outageS: option('outage', 90),
  recoveryS: option('recovery', 60),
  concurrency: option('concurrency', 8),
  portOffset: option('port-offset', 4_000),
  drainTimeoutS: option('drain-timeout', 600),
  sharedKafka: option('shared-kafka', false),
  keep: option('keep', false),
});

const PASSWORD = 'tangerine-orbit-quarry-57';
const PRIVATE_KAFKA = { host: '127.0.0.1', port: 59_192, controllerPort: 59_193 };
const OUTBOX_SERVICES = ['metadata', 'file', 'policy', 'user', 'auth'];
const startedAt = new Date();
const RESULTS_DIR = join(ROOT, 'tools/fault-exercises/results');
const RESULTS_FILE = join(RESULTS_DIR, `kafka-outage-${startedAt.toISOString().slice(0, 10)}.jsonl`);

const iso = (ms) => new Date(ms).toISOString();
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const say = (text) => console.log(`${new Date().toISOString()} ${text}`);

// ------------------------------------------------------------------ the timeline file

const record = (line) => appendFileSync(RESULTS_FILE, `${JSON.stringify(line)}\n`);
/** Phase markers, by name: the summary and the postmortem read their times from here. */
const marks = {};
function mark(name, detail = {}) {
  const at = Date.now();
  if (name.startsWith('first_') && marks[name] !== undefined) return;
  marks[name] ??= at;
  record({ type: 'event', t: iso(at), name, ...detail });
  say(`[event] ${name} ${Object.keys(detail).length > 0 ? JSON.stringify(detail) : ''}`);
}

// ------------------------------------------------------------------ Kafka: private broker or the shared one

function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((done, fail) => {
    const attempt = () => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        done();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) fail(new Error(`port ${port} did not open in ${timeoutMs} ms`));
        else setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}

function portIsFree(port) {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

/** A one-node KRaft broker with the settings of tools/engines/kafka.sh, on its own ports and folder. */
class PrivateKafka {
  #dir;
  #child;
  constructor(dir) {
    this.#dir = dir;
    this.libs = join(ROOT, '.coffer/engines/kafka/libs');
    this.brokers = [`${PRIVATE_KAFKA.host}:${PRIVATE_KAFKA.port}`];
  }

  async install() {
    for (const port of [PRIVATE_KAFKA.port, PRIVATE_KAFKA.controllerPort]) {
      if (!(await portIsFree(port))) throw new Error(`port ${port} is taken: another exercise running? (or use --shared-kafka)`);
    }
    mkdirSync(join(this.#dir, 'data'), { recursive: true });
    const { host, port, controllerPort } = PRIVATE_KAFKA;
    writeFileSync(
      join(this.#dir, 'server.properties'),
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@${host}:${controllerPort}`,
        `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
        `advertised.listeners=PLAINTEXT://${host}:${port}`,
        'inter.broker.listener.name=PLAINTEXT',
        'controller.listener.names=CONTROLLER',
        'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        `log.dirs=${join(this.#dir, 'data')}`,
        'num.partitions=1',
        'auto.create.topics.enable=false',
        'offsets.topic.replication.factor=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'share.coordinator.state.topic.replication.factor=1',
        'share.coordinator.state.topic.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        'num.network.threads=2',
        'num.io.threads=4',
        '',
      ].join('\n'),
    );
    writeFileSync(join(this.#dir, 'log4j2.properties'), 'status = warn\nrootLogger.level = WARN\n');
    const clusterId = (await this.#tool(['kafka.tools.StorageTool', 'random-uuid'])).trim().split('\n').pop();
    await this.#tool(['kafka.tools.StorageTool', 'format', '--config', join(this.#dir, 'server.properties'), `--cluster-id=${clusterId}`, '--ignore-formatted']);
  }

  async #tool(args) {
    const { stdout } = await promisify(execFile)('java', ['-Xmx192m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', `-Dlog4j2.configurationFile=${join(this.#dir, 'log4j2.properties')}`, '-cp', `${this.libs}/*`, ...args]);
    return stdout;
  }

  /** Starts the broker and resolves once its port accepts connections. */
  async up() {
    const out = openSync(join(this.#dir, 'kafka.out'), 'a');
    this.#child = spawn(
      'java',
      ['-Xms256m', '-Xmx512m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true', `-Dkafka.logs.dir=${this.#dir}`, `-Dlog4j2.configurationFile=${join(this.#dir, 'log4j2.properties')}`, '-cp', `${this.libs}/*`, 'kafka.Kafka', join(this.#dir, 'server.properties')],
      { stdio: ['ignore', out, out] },
    );
    await waitForPort(PRIVATE_KAFKA.port, 120_000);
  }

  /** SIGTERM (controlled shutdown, as engines.sh does), SIGKILL after 30 s; resolves when it exited. */
  async down() {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

/** The shared broker of tools/engines: stopped and started with engines.sh. */
class SharedKafka {
  constructor(brokers) {
    this.brokers = brokers;
  }
  install() {
    return Promise.resolve();
  }
  up() {
    return promisify(execFile)(join(ROOT, 'tools/engines/engines.sh'), ['up', 'kafka']);
  }
  down() {
    return promisify(execFile)(join(ROOT, 'tools/engines/engines.sh'), ['down', 'kafka']);
  }
}

// ------------------------------------------------------------------ the webhook receiver

/** Records every request: webhook-id, the CloudEvent's id, type and subject, and when it came. */
function startReceiver() {
  const received = [];
  const server = createHttpServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      let event = {};
      try {
        event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        // counted with an empty event
      }
      received.push({ at: Date.now(), webhookId: String(req.headers['webhook-id'] ?? ''), id: String(event.id ?? ''), type: String(event.type ?? ''), subject: String(event.subject ?? '') });
      res.writeHead(204).end();
    });
  });
  return new Promise((done) => {
    server.listen(0, '127.0.0.1', () => done({ url: `http://127.0.0.1:${server.address().port}/hooks`, received, close: () => new Promise((closed) => { server.closeAllConnections(); server.close(() => closed()); }) }));
  });
}

// ------------------------------------------------------------------ HTTP helpers

async function call(base, method, path, { token, json, body, headers = {}, timeoutMs = 30_000 } = {}) {
  const all = { ...headers };
  if (token) all.authorization = `Bearer ${token}`;
  if (json !== undefined) all['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, { method, headers: all, body: json !== undefined ? JSON.stringify(json) : body, signal: AbortSignal.timeout(timeoutMs) });
  const bytes = Buffer.from(await response.arrayBuffer());
  const type = response.headers.get('content-type') ?? '';
  let parsed;
  if (/json/.test(type) && bytes.length > 0) {
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch {
      parsed = undefined;
    }
  }
  return { status: response.status, headers: response.headers, json: parsed, bytes };
}

/** Sums the samples of each wanted family of a Prometheus text answer, split by one label if asked. */
function parseMetrics(text) {
  const out = {};
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (match === null) continue;
    const [, name, , labels = '', value] = match;
    const number = Number(value);
    if (!Number.isFinite(number)) continue;
    const label = (key) => new RegExp(`${key}="([^"]*)"`).exec(labels)?.[1];
    let key;
    if (name === 'outbox_backlog_events' || name === 'outbox_oldest_pending_age_seconds' || name === 'webhook_queue_depth' || name === 'webhook_oldest_pending_age_seconds' || name === 'webhook_oldest_due_age_seconds') key = name;
    else if (name === 'webhook_deliveries_total' || name === 'audit_events_ingested_total') key = `${name}{${label('outcome') ?? ''}}`;
    else if (name === 'http_server_requests_total') key = `http_${(label('status_code') ?? '?').slice(0, 1)}xx`;
    else if (/consumer_lag|event_bus|events_published|events_consumed/.test(name) && !name.endsWith('_bucket')) key = name;
    if (key === undefined) continue;
    out[key] = (out[key] ?? 0) + number;
  }
  return out;
}

const percentile = (sorted, p) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);

// ------------------------------------------------------------------ main

async function main() {
  const endpoints = loadEngineEndpoints({ cwd: ROOT });
  const workDir = mkdtempSync(join(tmpdir(), 'coffer-fault-kafka-'));
  const stamp = startedAt.toISOString().replace(/\D/g, '').slice(0, 14);
  const cleanups = [];
  const cleanUp = async () => {
    for (const step of cleanups.reverse()) {
      try {
        await Promise.race([step(), sleep(120_000).then(() => Promise.reject(new Error('timed out after 120 s')))]);
      } catch (error) {
        say(`cleanup step failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };

  try {
    // Engines: a temporary database, a bucket, a ClickHouse database, a broker.
    const kafka = OPTIONS.sharedKafka ? new SharedKafka(endpoints.kafka.brokers) : new PrivateKafka(join(workDir, 'kafka'));
    await kafka.install();
    // Only now: a run that cannot start leaves the previous timeline alone.
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(RESULTS_FILE, '');
    if (OPTIONS.sharedKafka) {
      // Whatever happens, the shared broker is left running.
      cleanups.push(() => kafka.up());
    } else {
      await kafka.up();
      cleanups.push(() => kafka.down());
    }
    const database = await createTemporaryPostgresDatabase('coffer_fault');
    cleanups.push(() => database.drop());
    const bucket = `fault-kafka-${stamp}`;
    const s3Url = new URL(endpoints.s3.endpoint);
    const s3 = new MinioClient({ endPoint: s3Url.hostname, port: Number(s3Url.port), useSSL: s3Url.protocol === 'https:', accessKey: endpoints.s3.accessKey, secretKey: endpoints.s3.secretKey, region: endpoints.s3.region });
    const storeUrl = `s3://${bucket}?endpoint=${encodeURIComponent(endpoints.s3.endpoint)}&region=${endpoints.s3.region}`;
    cleanups.push(async () => {
      if (!(await s3.bucketExists(bucket))) return;
      // Listed through the platform's own store: the minio client's listing fails past ~500
      // objects ("Entity expansion limit exceeded", see tools/dev-platform/test/storage-targets.ts).
      const keys = [];
      for await (const key of createObjectStoreFromUrl(storeUrl, { accessKey: endpoints.s3.accessKey, secretKey: endpoints.s3.secretKey }).list()) keys.push(key);
      for (let i = 0; i < keys.length; i += 500) await s3.removeObjects(bucket, keys.slice(i, i + 500));
      await s3.removeBucket(bucket);
    });
    const clickHouseDatabase = `coffer_fault_${stamp}`;
    cleanups.push(() => fetch(`${endpoints.clickhouse.url}/`, { method: 'POST', body: `DROP DATABASE IF EXISTS ${clickHouseDatabase}` }));
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());

    const serviceLog = join(workDir, 'services.log');
    const exits = [];
    const logCounts = {};
    await ensureDevCertificates(join(workDir, 'certs'), ALL_SERVICES);
    const env = {
      COFFER_DATABASE_URL: database.url,
      COFFER_OBJECT_STORE_URL: storeUrl,
      COFFER_S3_ACCESS_KEY: endpoints.s3.accessKey,
      COFFER_S3_SECRET_KEY: endpoints.s3.secretKey,
      COFFER_EVENT_BUS_URL: `kafka://${kafka.brokers.join(',')}`,
      COFFER_RATE_LIMIT_URL: endpoints.redis.url,
      COFFER_SESSION_STORE_URL: endpoints.redis.url,
      COFFER_AUDIT_STORE_URL: `${endpoints.clickhouse.url}?database=${clickHouseDatabase}`,
      // The receiver runs on this machine: loopback is allowlisted, as an operator would for a lab.
      COFFER_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
      COFFER_WEBHOOK_ALLOW_HTTP: 'true',
      COFFER_WEBHOOK_TIMEOUT_MS: '2000',
      COFFER_WEBHOOK_CONCURRENCY: '32',
      COFFER_LOG_LEVEL: 'warn',
      COFFER_RATE_LIMIT_CREDENTIALS: '10000',
      COFFER_RATE_LIMIT_ANONYMOUS: '10000',
      COFFER_RATE_LIMIT_BAD_TOKENS: '10000',
      COFFER_RATE_LIMIT_USER: '1000000',
      COFFER_SIGNUPS_PER_ADDRESS: '1000',
      COFFER_LOGIN_ATTEMPTS_PER_ADDRESS: '1000',
      COFFER_QUOTA_MAX_FILES: '1000000',
      // The run (load, outage, drain, checks) is longer than the default 10-minute token.
      COFFER_ACCESS_TOKEN_TTL_S: '3600',
    };
    const platform = launchPlatform({
      rootDir: ROOT,
      certDir: join(workDir, 'certs'),
      dataDir: join(workDir, 'data'),
      portOffset: OPTIONS.portOffset,
      env,
      onLine: (service, _stream, line) => {
        appendFileSync(serviceLog, `${service} ${line}\n`);
        const level = /"level":\s*"?(\w+)"?/.exec(line)?.[1] ?? 'other';
        const key = `${service}.${level}`;
        logCounts[key] = (logCounts[key] ?? 0) + 1;
      },
      onUnexpectedExit: (service, code, signal) => {
        exits.push({ service, code, signal, at: iso(Date.now()) });
        mark('service_exited', { service, code, signal });
      },
    });
    cleanups.push(() => platform.stop());
    await platform.waitUntilHealthy(240_000);
    const base = platform.gatewayUrl;
    mark('platform_healthy', { gateway: base, kafka: OPTIONS.sharedKafka ? 'shared' : 'private', brokers: kafka.brokers });

    // A user and a webhook subscription.
    const email = `fault-kafka-${stamp}@example.com`;
    const signup = await call(base, 'POST', '/v1/users', { json: { email, displayName: 'fault', password: PASSWORD } });
    if (signup.status !== 201) throw new Error(`sign-up answered ${signup.status}`);
    const login = await call(base, 'POST', '/v1/auth/login', { json: { email, password: PASSWORD } });
    const token = String(login.json?.accessToken);
    const userId = String((await call(base, 'GET', '/v1/users/me', { token })).json?.id);
    const subscription = await call(base, 'POST', '/v1/webhooks', { token, json: { url: receiver.url, eventTypes: ['file.uploaded'], description: 'kafka outage exercise' } });
    if (subscription.status !== 201) throw new Error(`subscribing answered ${subscription.status}: ${subscription.bytes.toString('utf8')}`);

    // ---- the load
    const requests = []; // completed requests: { kind, start, end, status, retryAfter, error }
    const acked = new Map(); // file id -> { sha256, at }
    const failedUploads = [];
    const state = { running: true, kafka: 'up' };
    let sequence = 0;
    const worker = async () => {
      while (state.running) {
        const content = randomBytes(1024 + Math.floor(Math.random() * 3072));
        const name = `load-${(sequence += 1)}.bin`;
        const start = Date.now();
        let entry;
        try {
          const answer = await call(base, 'POST', `/v1/files?name=${name}`, { token, body: content, headers: { 'content-type': 'application/octet-stream' } });
          entry = { kind: 'upload', start, end: Date.now(), status: answer.status, retryAfter: answer.headers.get('retry-after'), code: answer.json?.code };
          if (answer.status === 201) acked.set(String(answer.json?.id), { sha256: sha256(content), at: entry.end });
          else failedUploads.push({ ...entry, name, kafka: state.kafka });
        } catch (error) {
          entry = { kind: 'upload', start, end: Date.now(), status: 0, error: error instanceof Error ? error.name : 'error' };
          failedUploads.push({ ...entry, name, kafka: state.kafka });
        }
        requests.push(entry);
        if (entry.status !== 201) {
          mark('first_failed_upload', { status: entry.status, code: entry.code, retryAfter: entry.retryAfter, kafka: state.kafka });
          await sleep(250);
        }
        // Every other upload is followed by a download of a random acknowledged file.
        if (acked.size > 0 && Math.random() < 0.5) {
          const ids = [...acked.keys()];
          const id = ids[Math.floor(Math.random() * ids.length)];
          const dlStart = Date.now();
          try {
            const answer = await call(base, 'GET', `/v1/files/${id}/content`, { token });
            const ok = answer.status === 200 && sha256(answer.bytes) === acked.get(id)?.sha256;
            requests.push({ kind: 'download', start: dlStart, end: Date.now(), status: answer.status, digestOk: ok, retryAfter: answer.headers.get('retry-after') });
            if (!ok) mark('first_failed_download', { status: answer.status, kafka: state.kafka });
          } catch (error) {
            requests.push({ kind: 'download', start: dlStart, end: Date.now(), status: 0, error: error instanceof Error ? error.name : 'error' });
            mark('first_failed_download', { status: 0, kafka: state.kafka });
          }
        }
      }
    };

    // ---- the sampler: one JSON line a second
    const summaryPeaks = { backlog: { value: 0, at: 0 }, oldestAge: { value: 0, at: 0 }, webhookQueue: { value: 0, at: 0 } };
    let lastSample = {};
    let deliveredBeforeBack = 0;
    let baselineBacklog = 0;
    let unhealthySamples = 0;
    let auditBeforeBack = 0;
    let sampling = true;
    let seenRequests = 0;
    let t0 = 0;
    const sampleOnce = async () => {
      const now = Date.now();
      const fresh = requests.slice(seenRequests);
      seenRequests = requests.length;
      const uploads = fresh.filter((r) => r.kind === 'upload');
      const downloads = fresh.filter((r) => r.kind === 'download');
      const byStatus = (list) => list.reduce((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
      const latencies = uploads.filter((r) => r.status === 201).map((r) => r.end - r.start).sort((a, b) => a - b);
      const [metrics, health] = await Promise.all([
        Promise.all(
          ALL_SERVICES.map(async (service) => {
            try {
              const response = await fetch(`http://127.0.0.1:${platform.ports[service].ops}/metrics`, { signal: AbortSignal.timeout(3_000) });
              return [service, parseMetrics(await response.text())];
            } catch {
              return [service, { scrape_failed: 1 }];
            }
          }),
        ),
        call(base, 'GET', '/v1/health', { timeoutMs: 3_000 })
          .then((answer) => ({ status: answer.status, notServing: Object.entries(answer.json?.services ?? {}).filter(([, s]) => s?.status !== 'serving' && s?.status !== 'SERVING').map(([name, s]) => `${name}:${s?.status ?? '?'}`) }))
          .catch((error) => ({ status: 0, error: error instanceof Error ? error.name : 'error' })),
      ]);
      const byService = Object.fromEntries(metrics);
      const outbox = Object.fromEntries(OUTBOX_SERVICES.filter((s) => byService[s]?.outbox_backlog_events !== undefined).map((s) => [s, { backlog: byService[s].outbox_backlog_events, oldestAgeS: byService[s].outbox_oldest_pending_age_seconds }]));
      const backlogTotal = Object.values(outbox).reduce((sum, o) => sum + (o.backlog ?? 0), 0);
      const oldestAge = Math.max(0, ...Object.values(outbox).map((o) => o.oldestAgeS ?? 0));
      const webhook = byService.webhook ?? {};
      const audit = byService.audit ?? {};
      const fileUploadedHooks = receiver.received.filter((h) => h.type === 'file.uploaded');
      const sample = {
        type: 'sample',
        t: iso(now),
        s: t0 === 0 ? null : Math.round((now - t0) / 1000),
        kafka: state.kafka,
        upload: { n: uploads.length, byStatus: byStatus(uploads), p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), noRetryAfter5xx: uploads.filter((r) => r.status >= 500 && !r.retryAfter).length },
        download: { n: downloads.length, byStatus: byStatus(downloads), badDigest: downloads.filter((r) => r.status === 200 && r.digestOk === false).length },
        acked: acked.size,
        outbox,
        outboxBacklogTotal: backlogTotal,
        outboxOldestAgeS: oldestAge,
        webhook: { queueDepth: webhook.webhook_queue_depth, oldestPendingAgeS: webhook.webhook_oldest_pending_age_seconds, deliveries: Object.fromEntries(Object.entries(webhook).filter(([k]) => k.startsWith('webhook_deliveries_total')).map(([k, v]) => [k.slice(25, -1), v])) },
        audit: Object.fromEntries(Object.entries(audit).filter(([k]) => k.startsWith('audit_events_ingested_total')).map(([k, v]) => [k.slice(28, -1), v])),
        gatewayHttp: Object.fromEntries(Object.entries(byService.gateway ?? {}).filter(([k]) => k.startsWith('http_'))),
        other: Object.fromEntries(ALL_SERVICES.map((s) => [s, Object.fromEntries(Object.entries(byService[s] ?? {}).filter(([k]) => /consumer_lag|event_bus|events_|scrape_failed/.test(k)))]).filter(([, v]) => Object.keys(v).length > 0)),
        health,
        receiver: { requests: receiver.received.length, fileUploadedEvents: new Set(fileUploadedHooks.map((h) => h.id)).size },
        logs: { ...logCounts },
      };
      record(sample);
      if (lastSample.t === undefined || sample.t > lastSample.t) lastSample = sample;
      const hooksNow = sample.receiver.fileUploadedEvents;
      if (marks.kafka_stopped !== undefined && marks.kafka_back === undefined) deliveredBeforeBack = Math.max(deliveredBeforeBack, hooksNow);
      if (marks.kafka_back !== undefined && hooksNow > deliveredBeforeBack) mark('first_webhook_after_outage', { fileUploadedEvents: hooksNow });
      const auditOk = sample.audit.success;
      if (marks.kafka_stopped !== undefined && marks.kafka_back === undefined && auditOk !== undefined) auditBeforeBack = Math.max(auditBeforeBack, auditOk);
      if (marks.kafka_back !== undefined && auditOk !== undefined && auditOk > auditBeforeBack) mark('first_audit_ingest_after_outage', { ingested: auditOk });
      if (backlogTotal > summaryPeaks.backlog.value) summaryPeaks.backlog = { value: backlogTotal, at: now };
      if (oldestAge > summaryPeaks.oldestAge.value) summaryPeaks.oldestAge = { value: oldestAge, at: now };
      if ((webhook.webhook_queue_depth ?? 0) > summaryPeaks.webhookQueue.value) summaryPeaks.webhookQueue = { value: webhook.webhook_queue_depth, at: now };
      if (marks.kafka_stop_requested === undefined && marks.load_started !== undefined) baselineBacklog = Math.max(baselineBacklog, backlogTotal);
      if (marks.kafka_stop_requested !== undefined && backlogTotal > baselineBacklog) mark('first_backlog_growth', { backlog: backlogTotal, baseline: baselineBacklog });
      if (marks.kafka_back !== undefined && backlogTotal <= baselineBacklog) mark('first_backlog_back_to_baseline', { backlog: backlogTotal, baseline: baselineBacklog });
      if (health.status !== 200) unhealthySamples += 1;
      if (health.status !== 200) mark('first_unhealthy', health);
      if (marks.kafka_back !== undefined && backlogTotal === 0 && marks.backlog_zero_after_outage === undefined) mark('backlog_zero_after_outage');
      console.log(
        `${sample.t} s=${sample.s ?? '-'} kafka=${state.kafka} up=${uploads.length} ${JSON.stringify(sample.upload.byStatus)} p50=${sample.upload.p50Ms ?? '-'} p99=${sample.upload.p99Ms ?? '-'} ` +
          `dl=${downloads.length} backlog=${backlogTotal} age=${oldestAge.toFixed(0)} whq=${webhook.webhook_queue_depth ?? '-'} audit=${JSON.stringify(sample.audit)} hooks=${sample.receiver.fileUploadedEvents} health=${health.status}`,
      );
    };
    // One sample a second, not waiting for the previous one: a scrape that hangs (a service
    // whose /metrics waits for the broker) must not stretch the timeline's resolution.
    const inFlight = new Set();
    const sampler = (async () => {
      let next = Math.ceil(Date.now() / 1000) * 1000;
      while (sampling) {
        await sleep(Math.max(0, next - Date.now()));
        const one = sampleOnce().catch((error) => say(`sample failed: ${error instanceof Error ? error.message : String(error)}`));
        inFlight.add(one);
        void one.finally(() => inFlight.delete(one));
        next += 1000;
      }
      await Promise.all([...inFlight]);
    })();

    await sleep(2_000); // a baseline before the load
    t0 = Date.now();
    mark('load_started', { concurrency: OPTIONS.concurrency });
    const workers = Array.from({ length: OPTIONS.concurrency }, () => worker());
    await sleep(OPTIONS.warmupS * 1000);

    mark('kafka_stop_requested');
    state.kafka = 'stopping';
    await kafka.down();
    state.kafka = 'down';
    mark('kafka_stopped');
    await sleep(Math.max(0, marks.kafka_stop_requested + OPTIONS.outageS * 1000 - Date.now()));

    mark('kafka_start_requested');
    state.kafka = 'starting';
    await kafka.up();
    state.kafka = 'up';
    mark('kafka_back');
    await sleep(OPTIONS.recoveryS * 1000);

    state.running = false;
    await Promise.all(workers);
    mark('load_stopped', { acked: acked.size, failedUploads: failedUploads.length });

    const clickHouse = (sql) =>
      fetch(`${endpoints.clickhouse.url}/?database=${clickHouseDatabase}`, { method: 'POST', body: `${sql} FORMAT TSV` })
        .then(async (response) => (response.ok ? (await response.text()).trim().split('\t').map(Number) : []))
        .catch(() => []);
    // ---- drain: outboxes empty, webhook queue empty, every acknowledged upload delivered and audited
    const drainDeadline = Date.now() + OPTIONS.drainTimeoutS * 1000;
    const ingestedOk = () => lastSample.audit?.ok ?? Object.values(lastSample.audit ?? {}).reduce((a, b) => a + b, 0);
    for (;;) {
      await sleep(1_000);
      const hooked = new Set(receiver.received.filter((h) => h.type === 'file.uploaded').map((h) => h.subject));
      const allHooked = [...acked.keys()].every((id) => hooked.has(id));
      const auditAlive = !exits.some((exit) => exit.service === 'audit');
      const [audited = 0] = auditAlive ? await clickHouse(`SELECT count() FROM audit_events WHERE action = 'file.uploaded'`) : [];
      if (lastSample.outboxBacklogTotal === 0 && (lastSample.webhook?.queueDepth ?? 0) === 0 && allHooked && (!auditAlive || audited >= acked.size)) {
        mark('drained', { auditIngested: ingestedOk() });
        break;
      }
      if (Date.now() > drainDeadline) {
        mark('drain_timeout', { backlog: lastSample.outboxBacklogTotal, webhookQueue: lastSample.webhook?.queueDepth, missingHooks: [...acked.keys()].filter((id) => !hooked.has(id)).length });
        break;
      }
    }
    await sleep(5_000); // let the audit ingestor flush its last batch
    sampling = false;
    await sampler;

    // ---- verification
    say('verifying downloads, audit trail and webhook deliveries');
    const ids = [...acked.keys()];
    const downloadProblems = [];
    let cursor = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (cursor < ids.length) {
          const id = ids[cursor];
          cursor += 1;
          const answer = await call(base, 'GET', `/v1/files/${id}/content`, { token }).catch((error) => ({ status: 0, bytes: Buffer.alloc(0), error }));
          if (answer.status !== 200 || sha256(answer.bytes) !== acked.get(id).sha256) downloadProblems.push({ id, status: answer.status });
        }
      }),
    );

    const auditEvents = [];
    let auditQueryStatus = 200;
    let pageToken = '';
    do {
      const query = new URLSearchParams({ action: 'file.uploaded', pageSize: '200', ...(pageToken ? { pageToken } : {}) });
      const page = await call(base, 'GET', `/v1/audit?${query}`, { token }).catch(() => ({ status: 0, bytes: Buffer.alloc(0) }));
      if (page.status !== 200) {
        auditQueryStatus = page.status;
        say(`GET /v1/audit answered ${page.status}: ${page.bytes.toString('utf8').slice(0, 300)}`);
        break;
      }
      auditEvents.push(...page.json.events);
      pageToken = typeof page.json.nextPageToken === 'string' ? page.json.nextPageToken : '';
    } while (pageToken !== '');
    // What the store holds, read straight from ClickHouse: tells "not ingested" from "not served".
    const clickHouseRows = await clickHouse(`SELECT count(), uniqExact(subject) FROM audit_events WHERE action = 'file.uploaded'`);
    // Event time to row written, per file.uploaded row: how late the audit trail was.
    const [auditDelayP50Ms, auditDelayP99Ms, auditDelayMaxMs] = await clickHouse(`SELECT quantile(0.5)(ingested_at_ms - time_ms), quantile(0.99)(ingested_at_ms - time_ms), max(ingested_at_ms - time_ms) FROM audit_events WHERE action = 'file.uploaded'`);
    const auditBySubject = new Map();
    for (const event of auditEvents) auditBySubject.set(event.subject, (auditBySubject.get(event.subject) ?? 0) + 1);
    const auditMissing = ids.filter((id) => !auditBySubject.has(id));
    const auditDuplicated = ids.filter((id) => (auditBySubject.get(id) ?? 0) > 1);
    const auditUnacked = [...auditBySubject.keys()].filter((subject) => !acked.has(subject));
    const auditIds = new Set(auditEvents.map((e) => e.id));

    const hooks = receiver.received.filter((h) => h.type === 'file.uploaded');
    const hookCountByEvent = new Map();
    const eventsBySubject = new Map();
    for (const hook of hooks) {
      hookCountByEvent.set(hook.id, (hookCountByEvent.get(hook.id) ?? 0) + 1);
      const set = eventsBySubject.get(hook.subject) ?? new Set();
      set.add(hook.id);
      eventsBySubject.set(hook.subject, set);
    }
    const hooksMissing = ids.filter((id) => !eventsBySubject.has(id));
    const firstArrival = new Map();
    for (const hook of hooks) if (!firstArrival.has(hook.subject)) firstArrival.set(hook.subject, hook.at);
    const hookDelays = ids.filter((id) => firstArrival.has(id)).map((id) => firstArrival.get(id) - acked.get(id).at).sort((a, b) => a - b);
    const hookDelayOver = (ms) => hookDelays.filter((d) => d > ms).length;
    const duplicateDeliveries = [...hookCountByEvent.values()].filter((n) => n > 1).reduce((sum, n) => sum + n - 1, 0);
    const subjectsWithSeveralEvents = [...eventsBySubject.values()].filter((set) => set.size > 1).length;
    const hooksUnacked = [...eventsBySubject.keys()].filter((subject) => !acked.has(subject));
    const hookEventsNotInAudit = [...hookCountByEvent.keys()].filter((id) => !auditIds.has(id)).length;

    // ---- summary
    const uploads = requests.filter((r) => r.kind === 'upload');
    const downloads = requests.filter((r) => r.kind === 'download');
    const inWindow = (r, from, to) => r.end >= from && r.end < to;
    const window = (from, to) => {
      const list = uploads.filter((r) => inWindow(r, from, to));
      const ok = list.filter((r) => r.status === 201);
      const lat = ok.map((r) => r.end - r.start).sort((a, b) => a - b);
      return { uploads: list.length, ok: ok.length, failed: list.length - ok.length, failureRate: list.length === 0 ? 0 : Number(((list.length - ok.length) / list.length).toFixed(4)), p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99), perSecond: Number((ok.length / Math.max(1, (to - from) / 1000)).toFixed(2)) };
    };
    const failuresByStatus = failedUploads.reduce((acc, r) => ({ ...acc, [`${r.status}${r.code ? ` ${r.code}` : ''}`]: (acc[`${r.status}${r.code ? ` ${r.code}` : ''}`] ?? 0) + 1 }), {});
    const summary = {
      type: 'summary',
      t: iso(Date.now()),
      options: OPTIONS,
      times: Object.fromEntries(Object.entries(marks).map(([k, v]) => [k, iso(v)])),
      durationsS: {
        kafkaStop: marks.kafka_stopped && (marks.kafka_stopped - marks.kafka_stop_requested) / 1000,
        kafkaDown: marks.kafka_back && (marks.kafka_back - marks.kafka_stopped) / 1000,
        kafkaStartup: marks.kafka_back && (marks.kafka_back - marks.kafka_start_requested) / 1000,
        backlogZeroAfterKafkaBack: marks.backlog_zero_after_outage && (marks.backlog_zero_after_outage - marks.kafka_back) / 1000,
        backlogBaselineAfterKafkaBack: marks.first_backlog_back_to_baseline && (marks.first_backlog_back_to_baseline - marks.kafka_back) / 1000,
        webhooksResumedAfterKafkaBack: marks.first_webhook_after_outage && (marks.first_webhook_after_outage - marks.kafka_back) / 1000,
        auditResumedAfterKafkaBack: marks.first_audit_ingest_after_outage && (marks.first_audit_ingest_after_outage - marks.kafka_back) / 1000,
        drainedAfterLoadStopped: marks.drained && (marks.drained - marks.load_stopped) / 1000,
      },
      peaks: { outboxBacklog: { ...summaryPeaks.backlog, at: iso(summaryPeaks.backlog.at) }, outboxOldestAgeS: { ...summaryPeaks.oldestAge, at: iso(summaryPeaks.oldestAge.at) }, webhookQueue: { ...summaryPeaks.webhookQueue, at: iso(summaryPeaks.webhookQueue.at) } },
      load: {
        before: window(marks.load_started, marks.kafka_stop_requested),
        during: window(marks.kafka_stop_requested, marks.kafka_back),
        after: window(marks.kafka_back, marks.load_stopped + 1),
        total: window(marks.load_started, marks.load_stopped + 1),
        failuresByStatus,
        fiveXxWithoutRetryAfter: uploads.filter((r) => r.status >= 500 && !r.retryAfter).length,
        downloads: { total: downloads.length, failed: downloads.filter((r) => r.status !== 200).length, badDigest: downloads.filter((r) => r.status === 200 && r.digestOk === false).length },
      },
      verification: {
        acked: ids.length,
        downloadsChecked: ids.length,
        downloadProblems: downloadProblems.length,
        audit: { queryStatus: auditQueryStatus, clickHouseRows: clickHouseRows[0] ?? null, clickHouseDistinctFiles: clickHouseRows[1] ?? null, delayMs: { p50: auditDelayP50Ms ?? null, p99: auditDelayP99Ms ?? null, max: auditDelayMaxMs ?? null }, fileUploadedRows: auditEvents.length, missing: auditMissing.length, duplicated: auditDuplicated.length, forUnackedUploads: auditUnacked.length },
        webhooks: { delayMs: { p50: percentile(hookDelays, 50), p99: percentile(hookDelays, 99), max: hookDelays.at(-1) ?? null }, delayedOver10s: hookDelayOver(10_000), delayedOver60s: hookDelayOver(60_000), requests: hooks.length, distinctEvents: hookCountByEvent.size, missing: hooksMissing.length, duplicateDeliveries, subjectsWithSeveralEvents, forUnackedUploads: hooksUnacked.length, eventsNotInAudit: hookEventsNotInAudit },
      },
      platform: { unhealthySamples, serviceExits: exits, baselineBacklog, lastMetrics: { webhookDeliveries: lastSample.webhook?.deliveries, audit: lastSample.audit, gatewayHttp: lastSample.gatewayHttp } },
      logs: logCounts,
      serviceLog,
      examples: { auditMissing: auditMissing.slice(0, 5), hooksMissing: hooksMissing.slice(0, 5), downloadProblems: downloadProblems.slice(0, 5), firstFailures: failedUploads.slice(0, 5).map((r) => ({ ...r, start: iso(r.start), end: iso(r.end) })) },
      userId,
    };
    record(summary);
    console.log('\n===== summary =====');
    console.log(JSON.stringify(summary, null, 2));
    console.log(`timeline: ${RESULTS_FILE}`);
    if (OPTIONS.keep) say(`--keep: the work dir stays (services.log, certs): ${workDir}`);
  } finally {
    await cleanUp();
    if (!OPTIONS.keep) rmSync(workDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
