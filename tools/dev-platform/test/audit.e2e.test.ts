import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificates } from '@coffer/pki';
import { ALL_SERVICES } from '@coffer/platform';
import { launchPlatform, type RunningPlatform } from '../src/launch-platform.js';
import { PlatformClient } from './platform-client.js';

interface AuditRow {
  id: string;
  type: string;
  actorId?: string;
  subject?: string;
  ownerId?: string;
  outcome: string;
  seq: number;
  data: Record<string, unknown>;
}

/**
 * The audit trail end to end on the embedded defaults (`make dev`): the services' outboxes
 * forward to the audit service, which hosts the embedded bus and its store. Each step of a
 * file's life shows up in GET /v1/audit, visible to whom it concerns, exportable, and the
 * chain verifies.
 */
describe('the audit trail through the REST API', () => {
  const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const workDir = mkdtempSync(join(tmpdir(), 'coffer-e2e-audit-'));
  let platform: RunningPlatform;
  let api: PlatformClient;

  beforeAll(async () => {
    await ensureDevCertificates(join(workDir, 'certs'), ALL_SERVICES);
    platform = launchPlatform({
      rootDir,
      certDir: join(workDir, 'certs'),
      dataDir: join(workDir, 'data'),
      portOffset: 14_000,
      env: { COFFER_LOG_LEVEL: 'warn', COFFER_ADMIN_EMAILS: 'audit-admin@example.com' },
      onLine: () => undefined,
    });
    await platform.waitUntilHealthy(90_000);
    api = new PlatformClient(platform.gatewayUrl);
  }, 120_000);

  afterAll(async () => {
    await platform.stop();
    expect(api.violations, 'responses that break openapi/coffer.yaml').toEqual([]);
    rmSync(workDir, { recursive: true, force: true });
  });

  /** Polls the caller's audit view until `predicate` holds (events arrive asynchronously). */
  const auditUntil = async (token: string, query: string, predicate: (rows: AuditRow[]) => boolean): Promise<AuditRow[]> => {
    let rows: AuditRow[] = [];
    for (let attempt = 0; attempt < 100; attempt += 1) {
      rows = ((await api.call('GET', `/v1/audit?pageSize=200${query}`, { token })).json?.['events'] as AuditRow[] | undefined) ?? [];
      if (predicate(rows)) return rows;
      await new Promise((resolveWait) => setTimeout(resolveWait, 200));
    }
    return rows;
  };

  it('records each step of a file’s life, shows it to whom it concerns, exports it and verifies the chain', async () => {
    const owner = await api.signIn('audit-owner@example.com');
    const grantee = await api.signIn('audit-grantee@example.com');
    const stranger = await api.signIn('audit-stranger@example.com');
    const admin = await api.signIn('audit-admin@example.com');

    const fileId = String((await api.upload(owner.token, 'audited.txt', 'audited content')).json?.['id']);
    const share = await api.call('POST', `/v1/files/${fileId}/shares`, { token: owner.token, json: { granteeId: grantee.userId, permission: 'read' } });
    expect((await api.call('GET', `/v1/files/${fileId}/content`, { token: grantee.token })).status).toBe(200);
    expect((await api.call('DELETE', `/v1/files/${fileId}/shares/${String(share.json?.['id'])}`, { token: owner.token })).status).toBe(204);
    expect((await api.call('GET', `/v1/files/${fileId}/content`, { token: grantee.token })).status).toBe(404);

    const steps = ['file.uploaded', 'share.granted', 'file.downloaded', 'share.revoked', 'access.denied'];
    const ownerView = await auditUntil(owner.token, `&resource=${fileId}`, (rows) => steps.every((type) => rows.some((row) => row.type === type)));
    expect(steps.filter((type) => !ownerView.some((row) => row.type === type))).toEqual([]);
    const download = ownerView.find((row) => row.type === 'file.downloaded');
    expect(download).toMatchObject({ actorId: grantee.userId, ownerId: owner.userId, outcome: 'success' });
    expect(download?.data['authorizedBy']).toMatch(/^grant:/);
    expect(ownerView.find((row) => row.type === 'access.denied')).toMatchObject({ actorId: grantee.userId, outcome: 'denied' });
    const upload = ownerView.find((row) => row.type === 'file.uploaded');
    expect(upload?.data['authorizedBy']).toBe('owner');

    // Visibility: the grantee sees their own actions; a stranger sees nothing of this file.
    const granteeView = await auditUntil(grantee.token, `&resource=${fileId}`, (rows) => rows.some((row) => row.type === 'file.downloaded'));
    expect(granteeView.every((row) => row.actorId === grantee.userId || row.ownerId === grantee.userId || row.subject === grantee.userId)).toBe(true);
    expect(await auditUntil(stranger.token, `&resource=${fileId}`, () => false)).toEqual([]);
    const adminView = await auditUntil(admin.token, `&resource=${fileId}`, (rows) => rows.length >= ownerView.length);
    expect(adminView.length).toBeGreaterThanOrEqual(ownerView.length);

    // Filters and export.
    const denied = await api.call('GET', `/v1/audit?outcome=denied&resource=${fileId}`, { token: owner.token });
    expect((denied.json?.['events'] as AuditRow[]).map((row) => row.type)).toEqual(['access.denied']);
    const ndjson = await api.call('GET', `/v1/audit/export?format=ndjson&resource=${fileId}`, { token: owner.token });
    expect(ndjson.status).toBe(200);
    const lines = ndjson.bytes.toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as { id: string });
    expect(lines.map((line) => line.id).sort()).toEqual(ownerView.map((row) => row.id).sort());
    const csv = await api.call('GET', `/v1/audit/export?format=csv&resource=${fileId}`, { token: owner.token });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.bytes.toString('utf8').trim().split('\n')).toHaveLength(ownerView.length + 1);

    // The chain: administrators only.
    expect((await api.call('POST', '/v1/admin/audit/verify', { token: owner.token })).status).toBe(403);
    const verification = await api.call('POST', '/v1/admin/audit/verify', { token: admin.token });
    expect(verification.json).toMatchObject({ ok: true, problems: [] });
    expect(verification.json?.['rowsChecked']).toBeGreaterThanOrEqual(adminView.length);
  }, 120_000);

  it('refuses bad filters with 400 and anonymous callers with 401', async () => {
    const { token } = await api.signIn('audit-filters@example.com');
    expect((await api.call('GET', '/v1/audit?outcome=maybe', { token })).status).toBe(400);
    expect((await api.call('GET', '/v1/audit?from=yesterday', { token })).status).toBe(400);
    expect((await api.call('GET', '/v1/audit?action=Not-A-Type', { token })).status).toBe(400);
    expect((await api.call('GET', '/v1/audit/export?format=xml', { token })).status).toBe(400);
    expect((await api.call('GET', '/v1/audit')).status).toBe(401);
  });
});
