import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as MinioClient } from 'minio';
import { launchPlatform, productionEngineEnv, type RunningPlatform } from '@coffer/dev-platform';
import { createObjectStoreFromUrl } from '@coffer/object-storage';
import { ensureDevCertificates } from '@coffer/pki';
import { ALL_SERVICES, type ServiceName } from '@coffer/platform';
import { createTemporaryPostgresDatabase, loadEngineEndpoints, uniqueName } from '@coffer/testing';
import { call, WebhookSink, type WorkloadIdentity } from '../workload/index.js';
import type { AuditRow } from './reconcile.js';

export const PASSWORD = 'tangerine-orbit-quarry-57';

/** The events the workload makes that the receiver subscribes to and the audit must hold. */
export const WEBHOOK_EVENT_TYPES = ['file.uploaded', 'share.granted'] as const;

/** A platform on the production engines with its own database, bucket and audit database. */
export interface HarnessEnvironment {
  readonly platform: RunningPlatform;
  readonly identity: WorkloadIdentity;
  readonly sink: WebhookSink;
  /** Service exits the platform did not ask for (a SIGKILL shows up here). */
  readonly exits: { service: ServiceName; signal: string | null; at: number }[];
  /** Error lines per service (log level error or fatal). */
  readonly errorLines: Map<ServiceName, string[]>;
  /** The audit rows of the run's ClickHouse database (each event once, by id). */
  auditRows(): Promise<AuditRow[]>;
  /** The subscription's deliveries as GET /v1/webhooks/{id}/deliveries lists them (evidence for a lost webhook). */
  deliveries(): Promise<{ eventId: string; status: string; attempts: number; lastError?: string; lastStatusCode?: number }[]>;
  tearDown(): Promise<void>;
}

export interface EnvironmentOptions {
  readonly rootDir: string;
  /** Whole hundreds, at most 15 400 (tools/dev-platform/src/platform-ports.ts). */
  readonly portOffset: number;
  /** Extra service environment. */
  readonly env?: Record<string, string>;
}

/** Compressed webhook retries: a delivery that failed during a fault is tried again within seconds. */
const RETRY_SCHEDULE = '0,1s,2s,5s,5s,10s,10s,10s,10s,10s,10s,10s,10s,10s,10s,10s,10s,10s,10s,10s';

export async function setUpEnvironment(options: EnvironmentOptions): Promise<HarnessEnvironment> {
  const endpoints = loadEngineEndpoints({ cwd: options.rootDir });
  const workDir = mkdtempSync(join(tmpdir(), 'coffer-hardening-'));
  const cleanups: (() => Promise<unknown>)[] = [() => Promise.resolve(rmSync(workDir, { recursive: true, force: true }))];
  const tearDown = async () => {
    for (const step of cleanups.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        console.error(`hardening: clean-up step failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  try {
    const database = await createTemporaryPostgresDatabase('coffer_harden');
    cleanups.push(() => database.drop());
    const bucket = uniqueName('harden', '-').toLowerCase();
    const engineEnv = productionEngineEnv(endpoints, { databaseUrl: database.url, bucket });
    const s3Url = new URL(endpoints.s3.endpoint);
    const s3 = new MinioClient({ endPoint: s3Url.hostname, port: Number(s3Url.port), useSSL: s3Url.protocol === 'https:', accessKey: endpoints.s3.accessKey, secretKey: endpoints.s3.secretKey, region: endpoints.s3.region });
    cleanups.push(async () => {
      if (!(await s3.bucketExists(bucket))) return;
      const keys: string[] = [];
      // Listed through the platform's own store: the minio client's listing fails past ~500 objects.
      for await (const key of createObjectStoreFromUrl(engineEnv['COFFER_OBJECT_STORE_URL'] ?? '', { accessKey: endpoints.s3.accessKey, secretKey: endpoints.s3.secretKey }).list()) keys.push(key);
      for (let i = 0; i < keys.length; i += 500) await s3.removeObjects(bucket, keys.slice(i, i + 500));
      await s3.removeBucket(bucket);
    });
    const clickHouseDatabase = uniqueName('coffer_harden', '_');
    const clickHouse = async (sql: string): Promise<string> => {
      const response = await fetch(`${endpoints.clickhouse.url}/?database=${clickHouseDatabase}`, { method: 'POST', body: sql, signal: AbortSignal.timeout(30_000) });
      const text = await response.text();
      if (!response.ok) throw new Error(`ClickHouse answered ${response.status}: ${text.slice(0, 300)}`);
      return text;
    };
    cleanups.push(() => fetch(`${endpoints.clickhouse.url}/`, { method: 'POST', body: `DROP DATABASE IF EXISTS ${clickHouseDatabase}` }));
    const sink = new WebhookSink();
    const hookUrl = await sink.start();
    cleanups.push(() => sink.stop());

    await ensureDevCertificates(join(workDir, 'certs'), ALL_SERVICES);
    const exits: HarnessEnvironment['exits'] = [];
    const errorLines = new Map<ServiceName, string[]>();
    const platform = launchPlatform({
      rootDir: options.rootDir,
      certDir: join(workDir, 'certs'),
      dataDir: join(workDir, 'data'),
      portOffset: options.portOffset,
      env: {
        ...engineEnv,
        COFFER_AUDIT_STORE_URL: `${endpoints.clickhouse.url}?database=${clickHouseDatabase}`,
        // The receiver runs on this machine: loopback is allowlisted, as an operator would for a lab.
        COFFER_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
        COFFER_WEBHOOK_ALLOW_HTTP: 'true',
        COFFER_WEBHOOK_RETRY_SCHEDULE: RETRY_SCHEDULE,
        COFFER_WEBHOOK_TIMEOUT_MS: '2000',
        COFFER_LOG_LEVEL: 'warn',
        COFFER_RATE_LIMIT_CREDENTIALS: '100000',
        COFFER_RATE_LIMIT_ANONYMOUS: '100000',
        COFFER_RATE_LIMIT_USER: '1000000',
        COFFER_SIGNUPS_PER_ADDRESS: '1000',
        COFFER_LOGIN_ATTEMPTS_PER_ADDRESS: '1000000',
        // Logins that failed with a 503 during a fault count as failures and lock the account for
        // the window (reported in docs/security/fault-injection.md); high, so logins keep running.
        COFFER_LOGIN_FAILURES_PER_ACCOUNT: '1000000',
        COFFER_QUOTA_MAX_FILES: '1000000',
        COFFER_ACCESS_TOKEN_TTL_S: '3600',
        ...options.env,
      },
      onLine: (service, _stream, line) => {
        if (!/"level":\s*"?(error|fatal|50|60)\b/.test(line)) return;
        const lines = errorLines.get(service) ?? [];
        if (lines.length < 200) lines.push(line.slice(0, 600));
        errorLines.set(service, lines);
      },
      onUnexpectedExit: (service, _code, signal) => exits.push({ service, signal, at: Date.now() }),
    });
    cleanups.push(() => platform.stop());
    await platform.waitUntilHealthy(240_000);
    const base = platform.gatewayUrl;

    const signUp = async (email: string): Promise<{ token: string; id: string }> => {
      const created = await call(base, 'POST', '/v1/users', { json: { email, displayName: email.split('@')[0], password: PASSWORD } });
      if (created.status !== 201) throw new Error(`sign-up of ${email} answered ${created.status}: ${created.bytes.toString('utf8').slice(0, 300)}`);
      const login = await call(base, 'POST', '/v1/auth/login', { json: { email, password: PASSWORD } });
      if (login.status !== 200) throw new Error(`login of ${email} answered ${login.status}`);
      const token = String(login.json?.['accessToken']);
      const me = await call(base, 'GET', '/v1/users/me', { token });
      return { token, id: String(me.json?.['id']) };
    };
    const ownerEmail = `${uniqueName('owner', '-')}@example.com`;
    const owner = await signUp(ownerEmail);
    const grantee = await signUp(`${uniqueName('grantee', '-')}@example.com`);
    const subscription = await call(base, 'POST', '/v1/webhooks', { token: owner.token, json: { url: hookUrl, eventTypes: [...WEBHOOK_EVENT_TYPES], description: 'fault injection' } });
    if (subscription.status !== 201) throw new Error(`subscribing answered ${subscription.status}: ${subscription.bytes.toString('utf8').slice(0, 300)}`);

    const subscribed = (subscription.json?.['webhook'] as { id?: unknown } | undefined)?.id;
    const subscriptionId = typeof subscribed === 'string' ? subscribed : '';
    return {
      platform,
      identity: { baseUrl: base, token: owner.token, email: ownerEmail, password: PASSWORD, granteeId: grantee.id },
      sink,
      exits,
      errorLines,
      auditRows: async () => {
        const text = await clickHouse(`SELECT id, action, subject, time_ms FROM audit_events WHERE action IN ('file.uploaded', 'share.granted', 'auth.login_succeeded') LIMIT 1 BY id FORMAT TSV`);
        return text
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => {
            const [id = '', action = '', subject = '', timeMs = '0'] = line.split('\t');
            return { id, action, subject, timeMs: Number(timeMs) };
          });
      },
      deliveries: async () => {
        const all: Awaited<ReturnType<HarnessEnvironment['deliveries']>> = [];
        let pageToken = '';
        do {
          const query = new URLSearchParams({ pageSize: '200', ...(pageToken ? { pageToken } : {}) });
          const page = await call(base, 'GET', `/v1/webhooks/${subscriptionId}/deliveries?${query.toString()}`, { token: owner.token });
          if (page.status !== 200) throw new Error(`listing deliveries answered ${page.status}`);
          all.push(...(page.json?.['deliveries'] as typeof all));
          const next = page.json?.['nextPageToken'];
          pageToken = typeof next === 'string' ? next : '';
        } while (pageToken !== '');
        return all;
      },
      tearDown,
    };
  } catch (error) {
    await tearDown();
    throw error;
  }
}
