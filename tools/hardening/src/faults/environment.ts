import type { RunningPlatform } from '@coffer/dev-platform';
import type { ServiceName } from '@coffer/platform';
import { uniqueName } from '@coffer/testing';
import { LIMITS_OUT_OF_THE_WAY, startHardeningPlatform } from '../platform/hardening-platform.js';
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
  const clickHouseDatabase = uniqueName('coffer_harden', '_');
  let clickHouseUrl = '';
  const clickHouse = async (sql: string): Promise<string> => {
    const response = await fetch(`${clickHouseUrl}/?database=${clickHouseDatabase}`, { method: 'POST', body: sql, signal: AbortSignal.timeout(30_000) });
    const text = await response.text();
    if (!response.ok) throw new Error(`ClickHouse answered ${response.status}: ${text.slice(0, 300)}`);
    return text;
  };
  const sink = new WebhookSink();
  let hookUrl = '';
  const exits: HarnessEnvironment['exits'] = [];
  const errorLines = new Map<ServiceName, string[]>();
  const { platform, stop: tearDown } = await startHardeningPlatform({
    rootDir: options.rootDir,
    portOffset: options.portOffset,
    name: 'harden',
    prepare: async ({ endpoints, addCleanup }) => {
      clickHouseUrl = endpoints.clickhouse.url;
      addCleanup(() => fetch(`${endpoints.clickhouse.url}/`, { method: 'POST', body: `DROP DATABASE IF EXISTS ${clickHouseDatabase}` }));
      hookUrl = await sink.start();
      addCleanup(() => sink.stop());
      return { COFFER_AUDIT_STORE_URL: `${endpoints.clickhouse.url}?database=${clickHouseDatabase}` };
    },
    env: {
      ...LIMITS_OUT_OF_THE_WAY,
      // The receiver runs on this machine: loopback is allowlisted, as an operator would for a lab.
      COFFER_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
      COFFER_WEBHOOK_ALLOW_HTTP: 'true',
      COFFER_WEBHOOK_RETRY_SCHEDULE: RETRY_SCHEDULE,
      COFFER_WEBHOOK_TIMEOUT_MS: '2000',
      COFFER_SIGNUPS_PER_ADDRESS: '1000',
      // The workload signs in over and over as one account (logins are part of the mix): no
      // lockout, and no eviction of the sessions whose tokens the other workers still use.
      COFFER_LOGIN_FAILURES_PER_ACCOUNT: '1000000',
      COFFER_MAX_SESSIONS_PER_USER: '10000',
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
  try {
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
