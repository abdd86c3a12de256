import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificates } from '@coffer/pki';
import { ALL_SERVICES, GRPC_SERVICES, type ServiceName } from '@coffer/platform';
import { launchPlatform, type RunningPlatform } from '../src/launch-platform.js';
import { PlatformClient, type CallResult } from './platform-client.js';
import { parsePrometheusText, type PrometheusFamily, type PrometheusSample, type PrometheusScrape } from './prometheus-text.js';
import { familyProblems, seriesKey } from './metric-conventions.js';
import { WebhookReceiver } from './webhook-receiver.js';

/**
 * Issue 8 acceptance: every service's /metrics follows the Prometheus conventions with bounded
 * labels, and no secret that passes through the platform reaches its logs. One platform on the
 * embedded defaults, at debug level so the most gets logged; one pass of traffic touches every
 * service; the metrics and the collected log lines are then checked.
 */

const ENV = {
  // The receiver runs on this machine: loopback is allowlisted, as an operator would for a lab.
  COFFER_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
  COFFER_WEBHOOK_ALLOW_HTTP: 'true',
  COFFER_WEBHOOK_TIMEOUT_MS: '2000',
  COFFER_LOG_LEVEL: 'debug',
  COFFER_RATE_LIMIT_CREDENTIALS: '10000',
  COFFER_RATE_LIMIT_ANONYMOUS: '10000',
  COFFER_RATE_LIMIT_BAD_TOKENS: '10000',
  COFFER_RATE_LIMIT_USER: '100000',
  COFFER_SIGNUPS_PER_ADDRESS: '1000',
  COFFER_LOGIN_ATTEMPTS_PER_ADDRESS: '1000',
};

/** RED metrics of the platform runtime (libs/platform/src/metrics). */
const GRPC_CLIENT_RED = ['grpc_client_handled_total', 'grpc_client_handling_seconds'];
const GRPC_SERVER_RED = ['grpc_server_handled_total', 'grpc_server_handling_seconds', 'grpc_server_peer_denied_total'];
const HTTP_RED = ['http_server_requests_total', 'http_server_request_duration_seconds'];
const OUTBOX = ['outbox_backlog_events', 'outbox_oldest_pending_age_seconds'];

/** The families each service must expose: the RED metrics for what it serves and its business metrics (grep `name: '` in apps/ and libs/). */
const EXPECTED_FAMILIES: Readonly<Record<ServiceName, readonly string[]>> = {
  gateway: [...HTTP_RED, ...GRPC_CLIENT_RED, 'gateway_rate_limited_total', 'gateway_rate_limit_store_errors_total'],
  auth: [...GRPC_SERVER_RED, ...GRPC_CLIENT_RED, ...OUTBOX, 'auth_logins_total', 'auth_refresh_reuse_detections_total'],
  user: [...GRPC_SERVER_RED, ...GRPC_CLIENT_RED, ...OUTBOX],
  file: [
    ...GRPC_SERVER_RED,
    ...GRPC_CLIENT_RED,
    ...OUTBOX,
    'file_integrity_failures_total',
    'file_uploaded_bytes_total',
    'file_downloaded_bytes_total',
    'file_uploads_total',
    'file_orphans_removed_total',
  ],
  metadata: [...GRPC_SERVER_RED, ...GRPC_CLIENT_RED, ...OUTBOX],
  policy: [...GRPC_SERVER_RED, ...GRPC_CLIENT_RED, ...OUTBOX, 'policy_decisions_total', 'policy_decision_cache_hits_total', 'policy_decision_cache_misses_total'],
  audit: [...GRPC_SERVER_RED, ...GRPC_CLIENT_RED, 'audit_batch_write_seconds', 'audit_events_ingested_total', 'audit_chain_length'],
  webhook: [
    ...GRPC_SERVER_RED,
    ...GRPC_CLIENT_RED,
    ...OUTBOX,
    'webhook_deliveries_total',
    'webhook_delivery_duration_seconds',
    'webhook_dispatch_lag_seconds',
    'webhook_endpoints_disabled_total',
    'webhook_queue_depth',
    'webhook_oldest_pending_age_seconds',
  ],
};

interface LogLine {
  readonly service: ServiceName;
  readonly stream: 'stdout' | 'stderr';
  readonly line: string;
}

/** What the traffic pushed through the platform: the secrets to search the logs for and the ids no label may carry. */
interface Traffic {
  readonly secrets: ReadonlyArray<readonly [string, string]>;
  readonly ids: readonly string[];
  readonly uploadedBytes: number;
  readonly downloadedBytes: number;
}

const secretText = (prefix: string): string => `${prefix}-${randomBytes(12).toString('base64url')}`;

const samplesNamed = (family: PrometheusFamily | undefined, name: string): PrometheusSample[] => family?.samples.filter((sample) => sample.name === name) ?? [];

const sumOf = (family: PrometheusFamily | undefined, name: string, where: (labels: Readonly<Record<string, string>>) => boolean = () => true): number =>
  samplesNamed(family, name)
    .filter((sample) => where(sample.labels))
    .reduce((total, sample) => total + sample.value, 0);

describe('observability on the embedded defaults: metrics and logs of every service', () => {
  const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const workDir = mkdtempSync(join(tmpdir(), 'coffer-e2e-observability-'));
  const receiver = new WebhookReceiver();
  const logLines: LogLine[] = [];
  let platform: RunningPlatform | undefined;
  let client: PlatformClient | undefined;
  let traffic: Traffic | undefined;

  beforeAll(async () => {
    await receiver.start();
    await ensureDevCertificates(join(workDir, 'certs'), ALL_SERVICES);
    platform = launchPlatform({
      rootDir,
      certDir: join(workDir, 'certs'),
      dataDir: join(workDir, 'data'),
      portOffset: 6_000,
      env: ENV,
      onLine: (service, stream, line) => logLines.push({ service, stream, line }),
    });
    try {
      await platform.waitUntilHealthy(300_000);
    } catch (error) {
      // The services' own words say why; the collected lines are otherwise never shown.
      const tail = ALL_SERVICES.flatMap((service) => logLines.filter((entry) => entry.service === service).slice(-8));
      throw new Error(`${(error as Error).message}\n${tail.map((entry) => `${entry.service} ${entry.stream}: ${entry.line.slice(0, 500)}`).join('\n')}`);
    }
    client = new PlatformClient(platform.gatewayUrl);
  }, 360_000);

  afterAll(async () => {
    await platform?.stop();
    await receiver.stop();
    expect(client?.violations ?? [], 'responses that break openapi/coffer.yaml').toEqual([]);
    rmSync(workDir, { recursive: true, force: true });
  });

  const api = (): PlatformClient => {
    if (client === undefined) throw new Error('the platform did not start');
    return client;
  };
  const drivenTraffic = (): Traffic => {
    if (traffic === undefined) throw new Error('the traffic test did not run to its end');
    return traffic;
  };
  const scrape = async (service: ServiceName): Promise<PrometheusScrape> => {
    if (platform === undefined) throw new Error('the platform did not start');
    const response = await fetch(`http://127.0.0.1:${platform.ports[service].ops}/metrics`);
    expect(response.status, `${service} /metrics`).toBe(200);
    expect(response.headers.get('content-type') ?? '', `${service} /metrics content type`).toMatch(/^text\/plain/);
    return parsePrometheusText(await response.text());
  };
  /** Scrapes until `ready` holds (metrics are updated after the answer the test saw), or 15 s passed. */
  const scrapeUntil = async (service: ServiceName, ready: (scraped: PrometheusScrape) => boolean): Promise<PrometheusScrape> => {
    const deadline = Date.now() + 15_000;
    let scraped = await scrape(service);
    while (!ready(scraped) && Date.now() < deadline) {
      await new Promise((wait) => setTimeout(wait, 250));
      scraped = await scrape(service);
    }
    return scraped;
  };

  it('drives traffic through every service: sign-up, login, refresh, files, shares, links, audit, webhooks, a failed login, a password change', async () => {
    const oldPassword = secretText('obs-old-password');
    const newPassword = secretText('obs-new-password');
    const wrongPassword = secretText('obs-wrong-password');
    const granteePassword = secretText('obs-grantee-password');
    // A client may send these; the platform has no use for them and must not log them.
    const cookie = `coffer_session=${secretText('obs-cookie')}`;
    const apiKey = secretText('obs-api-key');
    const forgedToken = `eyJhbGciOiJFUzI1NiJ9.${randomBytes(24).toString('base64url')}.${randomBytes(48).toString('base64url')}`;
    const clientHeaders = { cookie, 'x-api-key': apiKey };
    const secrets: Array<readonly [string, string]> = [
      ['old password', oldPassword],
      ['new password', newPassword],
      ['wrong password', wrongPassword],
      ['grantee password', granteePassword],
      ['cookie value', cookie.split('=')[1] ?? cookie],
      ['x-api-key', apiKey],
      ['forged bearer token', forgedToken],
    ];
    const ids: string[] = [];
    const expectStatus = (answer: CallResult, status: number, what: string): CallResult => {
      expect(answer.status, `${what}: ${JSON.stringify(answer.json)}`).toBe(status);
      return answer;
    };
    /** Records an access/refresh token pair as secrets (whole tokens, the bearer header and each JWT signature). */
    const tokensOf = (answer: CallResult, what: string): { access: string; refresh: string } => {
      const access = String(answer.json?.['accessToken']);
      const refresh = String(answer.json?.['refreshToken']);
      secrets.push([`${what} access token`, access], [`${what} refresh token`, refresh], [`${what} Authorization header value`, `Bearer ${access}`]);
      const signature = access.split('.')[2];
      if (signature !== undefined && signature.length >= 16) secrets.push([`${what} access token signature`, signature]);
      return { access, refresh };
    };

    // Sign up and sign in (user, auth), refresh (auth), a refresh-token reuse (auth revokes the family).
    const ownerEmail = 'obs-owner@example.com';
    const granteeEmail = 'obs-grantee@example.com';
    const strangerEmail = 'obs-stranger@example.com';
    expectStatus(await api().call('POST', '/v1/users', { json: { email: ownerEmail, displayName: 'Obs Owner', password: oldPassword }, headers: clientHeaders }), 201, 'owner sign-up');
    expectStatus(await api().call('POST', '/v1/users', { json: { email: granteeEmail, displayName: 'Obs Grantee', password: granteePassword } }), 201, 'grantee sign-up');
    expectStatus(await api().call('POST', '/v1/users', { json: { email: strangerEmail, displayName: 'Obs Stranger', password: granteePassword } }), 201, 'stranger sign-up');
    const firstLogin = tokensOf(expectStatus(await api().call('POST', '/v1/auth/login', { json: { email: ownerEmail, password: oldPassword }, headers: clientHeaders }), 200, 'owner login'), 'first login');
    const refreshed = tokensOf(
      expectStatus(await api().call('POST', '/v1/auth/refresh', { json: { refreshToken: firstLogin.refresh }, headers: clientHeaders }), 200, 'refresh'),
      'refreshed',
    );
    const owner = refreshed.access;
    const ownerId = String(expectStatus(await api().call('GET', '/v1/users/me', { token: owner, headers: clientHeaders }), 200, 'me').json?.['id']);
    const grantee = tokensOf(expectStatus(await api().call('POST', '/v1/auth/login', { json: { email: granteeEmail, password: granteePassword } }), 200, 'grantee login'), 'grantee');
    const granteeId = String(expectStatus(await api().call('GET', '/v1/users/me', { token: grantee.access }), 200, 'grantee me').json?.['id']);
    const stranger = tokensOf(expectStatus(await api().call('POST', '/v1/auth/login', { json: { email: strangerEmail, password: granteePassword } }), 200, 'stranger login'), 'stranger');
    const strangerRotated = tokensOf(expectStatus(await api().call('POST', '/v1/auth/refresh', { json: { refreshToken: stranger.refresh } }), 200, 'stranger refresh'), 'stranger rotated');
    expectStatus(await api().call('POST', '/v1/auth/refresh', { json: { refreshToken: stranger.refresh } }), 401, 'refresh-token reuse');
    expectStatus(await api().call('POST', '/v1/auth/refresh', { json: { refreshToken: strangerRotated.refresh } }), 401, 'refresh after the family was revoked');
    expectStatus(await api().call('GET', '/v1/users/me', { token: forgedToken, headers: clientHeaders }), 401, 'forged token');
    ids.push(ownerId, granteeId);

    // A webhook subscription before the upload, so the upload is delivered (webhook).
    const created = expectStatus(
      await api().call('POST', '/v1/webhooks', { token: owner, json: { url: receiver.url, eventTypes: ['file.*', 'share.*'], description: 'observability' } }),
      201,
      'create webhook',
    );
    const subscriptionId = String((created.json?.['webhook'] as { id?: string } | undefined)?.id);
    const webhookSecret = String(created.json?.['secret']);
    expect(webhookSecret).toMatch(/^whsec_/);
    const rotated = expectStatus(await api().call('POST', `/v1/webhooks/${subscriptionId}/secret`, { token: owner, json: { overlapSeconds: 3600 } }), 200, 'rotate secret');
    const rotatedSecret = String(rotated.json?.['secret']);
    secrets.push(['webhook secret', webhookSecret], ['webhook secret key', webhookSecret.slice('whsec_'.length)]);
    secrets.push(['rotated webhook secret', rotatedSecret], ['rotated webhook secret key', rotatedSecret.slice('whsec_'.length)]);
    receiver.secrets = [rotatedSecret, webhookSecret];
    ids.push(subscriptionId);

    // Upload, download, share, the grantee's download, a stranger refused (file, metadata, policy).
    const content = `observability ${randomBytes(64).toString('hex')}`;
    const uploaded = expectStatus(await api().upload(owner, 'observed.txt', content, { headers: clientHeaders }), 201, 'upload');
    const fileId = String(uploaded.json?.['id']);
    ids.push(fileId);
    expect(expectStatus(await api().call('GET', `/v1/files/${fileId}/content`, { token: owner }), 200, 'download').bytes.toString('utf8')).toBe(content);
    const share = expectStatus(await api().call('POST', `/v1/files/${fileId}/shares`, { token: owner, json: { granteeId, permission: 'read' } }), 201, 'share');
    ids.push(String(share.json?.['id']));
    expectStatus(await api().call('GET', `/v1/files/${fileId}/content`, { token: grantee.access }), 200, 'grantee download');
    const strangerAgain = tokensOf(expectStatus(await api().call('POST', '/v1/auth/login', { json: { email: strangerEmail, password: granteePassword } }), 200, 'stranger login again'), 'stranger again');
    expectStatus(await api().call('GET', `/v1/files/${fileId}/content`, { token: strangerAgain.access }), 404, 'stranger download');

    // A signed share link, downloaded without an account (policy signs and checks it).
    const link = expectStatus(await api().call('POST', `/v1/files/${fileId}/links`, { token: owner, json: { expiresInSeconds: 3600 } }), 201, 'create link');
    const linkToken = String(link.json?.['token']);
    secrets.push(['share-link token', linkToken]);
    ids.push(String(link.json?.['id']));
    expect(expectStatus(await api().call('GET', `/v1/links/${linkToken}`, { headers: clientHeaders }), 200, 'link download').bytes.toString('utf8')).toBe(content);

    // The delivery of the upload (webhook), then the audit trail (audit).
    const delivered = await receiver.until((all) => all.some((hook) => hook.event.subject === fileId && hook.event.type === 'file.uploaded'), 60_000);
    expect(delivered.find((hook) => hook.event.subject === fileId && hook.event.type === 'file.uploaded')).toMatchObject({ verified: true });
    for (const hook of delivered) ids.push(hook.id, hook.event.id);
    let auditTypes: string[] = [];
    for (let attempt = 0; attempt < 100 && !['file.uploaded', 'share.granted', 'file.downloaded'].every((type) => auditTypes.includes(type)); attempt += 1) {
      const page = expectStatus(await api().call('GET', `/v1/audit?pageSize=200&resource=${fileId}`, { token: owner }), 200, 'audit');
      auditTypes = ((page.json?.['events'] as Array<{ type: string }> | undefined) ?? []).map((row) => row.type);
      if (!auditTypes.includes('file.downloaded')) await new Promise((wait) => setTimeout(wait, 200));
    }
    expect(auditTypes).toEqual(expect.arrayContaining(['file.uploaded', 'share.granted', 'file.downloaded']));

    // A failed login, then a password change and a login with the new password (auth).
    expectStatus(await api().call('POST', '/v1/auth/login', { json: { email: ownerEmail, password: wrongPassword }, headers: clientHeaders }), 401, 'wrong password');
    expectStatus(await api().call('POST', '/v1/auth/password', { token: owner, json: { currentPassword: oldPassword, newPassword }, headers: clientHeaders }), 204, 'change password');
    expectStatus(await api().call('POST', '/v1/auth/login', { json: { email: ownerEmail, password: oldPassword } }), 401, 'old password after the change');
    const afterChange = tokensOf(expectStatus(await api().call('POST', '/v1/auth/login', { json: { email: ownerEmail, password: newPassword } }), 200, 'login with the new password'), 'after change');
    expectStatus(await api().call('GET', '/v1/users/me', { token: afterChange.access }), 200, 'me after the change');

    traffic = { secrets, ids, uploadedBytes: Buffer.byteLength(content), downloadedBytes: 3 * Buffer.byteLength(content) };
  }, 300_000);

  it('serves Prometheus text on every service: snake_case names, HELP and TYPE, counters in _total, base units, whole histograms, allowlisted and bounded labels', async () => {
    const { ids } = drivenTraffic();
    const problems: string[] = [];
    let families = 0;
    let series = 0;
    for (const service of ALL_SERVICES) {
      const scraped = await scrape(service);
      problems.push(...scraped.errors.map((error) => `${service}: ${error}`));
      for (const family of scraped.families.values()) {
        families += 1;
        series += new Set(family.samples.map((sample) => seriesKey(sample.labels))).size;
        problems.push(...familyProblems(service, family));
        for (const sample of family.samples) {
          for (const [name, value] of Object.entries(sample.labels)) if (ids.some((id) => id.length >= 8 && value.includes(id))) problems.push(`${service}: ${family.name} label ${name}="${value}" carries an id of the traffic`);
        }
      }
    }
    console.info(`metrics: ${families} families, ${series} series over ${ALL_SERVICES.length} services`);
    expect(problems).toEqual([]);
  });

  it('exposes the RED metrics of what each service serves and calls, and its business metrics, counting the traffic', async () => {
    const { uploadedBytes, downloadedBytes } = drivenTraffic();
    const missing: string[] = [];
    const scraped = new Map<ServiceName, PrometheusScrape>();
    for (const service of ALL_SERVICES) {
      const ready = (result: PrometheusScrape): boolean => service !== 'webhook' || sumOf(result.families.get('webhook_deliveries_total'), 'webhook_deliveries_total', (labels) => labels['outcome'] === 'succeeded') >= 1;
      const result = await scrapeUntil(service, ready);
      scraped.set(service, result);
      for (const name of EXPECTED_FAMILIES[service]) if (!result.families.has(name)) missing.push(`${service}: ${name}`);
    }
    expect(missing).toEqual([]);
    const family = (service: ServiceName, name: string): PrometheusFamily | undefined => scraped.get(service)?.families.get(name);

    // HTTP RED at the gateway, by route template: the failed login and the link download are there.
    const requests = family('gateway', 'http_server_requests_total');
    expect(sumOf(requests, 'http_server_requests_total', (labels) => labels['route'] === '/v1/auth/login' && labels['status_code'] === '401')).toBeGreaterThanOrEqual(2);
    expect(sumOf(requests, 'http_server_requests_total', (labels) => labels['route'] === '/v1/links/:token' && labels['status_code'] === '200')).toBe(1);
    expect(sumOf(family('gateway', 'http_server_request_duration_seconds'), 'http_server_request_duration_seconds_count')).toBe(sumOf(requests, 'http_server_requests_total'));
    expect(sumOf(family('gateway', 'grpc_client_handled_total'), 'grpc_client_handled_total')).toBeGreaterThan(0);

    // gRPC RED on every gRPC server: each served at least the traffic's calls or the health checks.
    for (const service of GRPC_SERVICES) {
      const handled = sumOf(family(service, 'grpc_server_handled_total'), 'grpc_server_handled_total');
      expect(handled, `${service} grpc_server_handled_total`).toBeGreaterThan(0);
      expect(sumOf(family(service, 'grpc_server_handling_seconds'), 'grpc_server_handling_seconds_count'), `${service} grpc_server_handling_seconds_count`).toBe(handled);
    }
    expect(sumOf(family('auth', 'grpc_server_handled_total'), 'grpc_server_handled_total', (labels) => labels['grpc_code'] !== 'OK')).toBeGreaterThan(0);

    // Business metrics count what the traffic did.
    expect(sumOf(family('file', 'file_uploaded_bytes_total'), 'file_uploaded_bytes_total')).toBeGreaterThanOrEqual(uploadedBytes);
    expect(sumOf(family('file', 'file_downloaded_bytes_total'), 'file_downloaded_bytes_total')).toBeGreaterThanOrEqual(downloadedBytes);
    expect(sumOf(family('file', 'file_uploads_total'), 'file_uploads_total', (labels) => labels['outcome'] === 'created')).toBeGreaterThanOrEqual(1);
    expect(sumOf(family('policy', 'policy_decisions_total'), 'policy_decisions_total', (labels) => labels['effect'] === 'deny')).toBeGreaterThanOrEqual(1);
    // The traffic signed in (ok), tried a wrong password and presented a rotated refresh token again.
    expect(sumOf(family('auth', 'auth_logins_total'), 'auth_logins_total', (labels) => labels['outcome'] === 'succeeded')).toBeGreaterThanOrEqual(1);
    expect(sumOf(family('auth', 'auth_logins_total'), 'auth_logins_total', (labels) => labels['outcome'] === 'bad_credentials')).toBeGreaterThanOrEqual(1);
    expect(sumOf(family('auth', 'auth_refresh_reuse_detections_total'), 'auth_refresh_reuse_detections_total', () => true)).toBeGreaterThanOrEqual(1);
    expect(sumOf(family('policy', 'policy_decisions_total'), 'policy_decisions_total', (labels) => labels['effect'] === 'allow')).toBeGreaterThanOrEqual(1);
    expect(sumOf(family('audit', 'audit_events_ingested_total'), 'audit_events_ingested_total')).toBeGreaterThan(0);
    expect(sumOf(family('audit', 'audit_chain_length'), 'audit_chain_length')).toBeGreaterThan(0);
    expect(sumOf(family('webhook', 'webhook_deliveries_total'), 'webhook_deliveries_total', (labels) => labels['outcome'] === 'succeeded')).toBeGreaterThanOrEqual(1);
    for (const service of ['auth', 'user', 'file', 'metadata', 'policy', 'webhook'] as const) {
      expect(samplesNamed(family(service, 'outbox_backlog_events'), 'outbox_backlog_events'), `${service} outbox_backlog_events`).toHaveLength(1);
    }
  });

  it('writes one JSON object per line with time, level, service and msg, and carries trace, span and request ids', () => {
    drivenTraffic();
    const notJson: string[] = [];
    const incomplete: string[] = [];
    const parsed: Array<Record<string, unknown>> = [];
    for (const { service, stream, line } of logLines) {
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        notJson.push(`${service} ${stream}: ${line.slice(0, 300)}`);
        continue;
      }
      if (typeof record !== 'object' || record === null || Array.isArray(record)) {
        notJson.push(`${service} ${stream}: ${line.slice(0, 300)}`);
        continue;
      }
      const fields = record as Record<string, unknown>;
      parsed.push(fields);
      const time = fields['time'];
      const wellFormed =
        typeof time === 'string' &&
        !Number.isNaN(Date.parse(time)) &&
        ['trace', 'debug', 'info', 'warn', 'error', 'fatal'].includes(String(fields['level'])) &&
        fields['service'] === service &&
        typeof fields['msg'] === 'string' &&
        (fields['trace_id'] === undefined || (typeof fields['trace_id'] === 'string' && /^[0-9a-f]{32}$/.test(fields['trace_id']))) &&
        (fields['span_id'] === undefined || (typeof fields['span_id'] === 'string' && /^[0-9a-f]{16}$/.test(fields['span_id'])));
      if (!wellFormed) incomplete.push(`${service} ${stream}: ${line.slice(0, 300)}`);
    }
    const count = (predicate: (fields: Record<string, unknown>) => boolean): number => parsed.filter(predicate).length;
    const services = new Set(parsed.map((fields) => String(fields['service'])));
    console.info(
      `logs: ${logLines.length} lines from ${services.size} services; ${count((fields) => fields['level'] === 'debug')} debug; ` +
        `${count((fields) => typeof fields['trace_id'] === 'string' && typeof fields['span_id'] === 'string')} with trace_id and span_id; ` +
        `${count((fields) => typeof fields['request_id'] === 'string')} with request_id; ${count((fields) => typeof fields['user_id'] === 'string')} with user_id`,
    );
    expect(notJson).toEqual([]);
    expect(incomplete).toEqual([]);
    expect([...services].sort()).toEqual([...ALL_SERVICES].sort());
    // The search below needs real material: debug lines, and lines tied to traces and requests.
    expect(count((fields) => fields['level'] === 'debug')).toBeGreaterThan(0);
    expect(count((fields) => typeof fields['trace_id'] === 'string' && typeof fields['span_id'] === 'string')).toBeGreaterThan(10);
    expect(count((fields) => typeof fields['request_id'] === 'string')).toBeGreaterThan(10);
  });

  it('never writes a password, token, bearer header, cookie, API key, webhook secret or share-link token to any service’s output', () => {
    const { secrets } = drivenTraffic();
    expect(secrets.length).toBeGreaterThan(15);
    const leaks: string[] = [];
    for (const [what, secret] of secrets) {
      expect(secret.length, what).toBeGreaterThanOrEqual(12);
      for (const { service, stream, line } of logLines) if (line.includes(secret)) leaks.push(`${what} in ${service} ${stream}: ${line.slice(0, 400)}`);
    }
    for (const { service, stream, line } of logLines) {
      if (/Bearer\s+[\w-]+\.[\w-]+/.test(line)) leaks.push(`a bearer header in ${service} ${stream}: ${line.slice(0, 400)}`);
      if (/whsec_[A-Za-z0-9+/=]{8,}/.test(line)) leaks.push(`a webhook secret in ${service} ${stream}: ${line.slice(0, 400)}`);
    }
    console.info(`secrets: ${secrets.length} values searched for in ${logLines.length} lines`);
    expect(leaks).toEqual([]);
  });
});
