import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificates } from '@coffer/pki';
import { ALL_SERVICES } from '@coffer/platform';
import { launchPlatform, type RunningPlatform } from '../src/launch-platform.js';
import { PlatformClient } from './platform-client.js';
import { embeddedTarget, productionTarget, type PlatformTarget } from './storage-targets.js';
import { WebhookReceiver } from './webhook-receiver.js';

/** Five minutes, as the acceptance criterion says: the receiver is down this long while events happen. */
const OUTAGE_MS = 5 * 60_000;
const OUTAGE_EVENTS = 1_000;
/**
 * A compressed schedule (the default runs for a day): retries every ~30 s once the first few
 * failed, and 15 attempts cover more than the outage, so nothing is dead-lettered by it.
 */
const RETRY_SCHEDULE = '0,2s,10s,30s,30s,30s,30s,30s,30s,30s,30s,30s,30s,30s,30s';

const WEBHOOK_ENV = {
  // The receivers run on this machine: loopback is allowlisted, as an operator would for a lab.
  COFFER_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
  COFFER_WEBHOOK_ALLOW_HTTP: 'true',
  COFFER_WEBHOOK_RETRY_SCHEDULE: RETRY_SCHEDULE,
  COFFER_WEBHOOK_TIMEOUT_MS: '1000',
  COFFER_WEBHOOK_CONCURRENCY: '32',
  COFFER_LOG_LEVEL: 'warn',
  COFFER_RATE_LIMIT_CREDENTIALS: '10000',
  COFFER_RATE_LIMIT_ANONYMOUS: '10000',
  COFFER_RATE_LIMIT_BAD_TOKENS: '10000',
  COFFER_RATE_LIMIT_USER: '100000',
  COFFER_SIGNUPS_PER_ADDRESS: '1000',
  COFFER_LOGIN_ATTEMPTS_PER_ADDRESS: '1000',
  COFFER_QUOTA_MAX_FILES: '10000',
};

interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  lastStatusCode?: number;
  lastError?: string;
}

/** Starts the platform on a target with the webhook settings above; returns what the tests use. */
function platformOn(target: PlatformTarget, portOffset: number) {
  const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const workDir = mkdtempSync(join(tmpdir(), 'coffer-e2e-webhooks-'));
  const state = { api: undefined as PlatformClient | undefined, platform: undefined as RunningPlatform | undefined, tearDown: () => Promise.resolve() };

  beforeAll(async () => {
    const setup = await target.setUp(workDir);
    state.tearDown = () => setup.tearDown();
    await ensureDevCertificates(join(workDir, 'certs'), ALL_SERVICES);
    state.platform = launchPlatform({
      rootDir,
      certDir: join(workDir, 'certs'),
      dataDir: join(workDir, 'data'),
      portOffset,
      env: { ...WEBHOOK_ENV, ...setup.env },
      onLine: () => undefined,
    });
    await state.platform.waitUntilHealthy(120_000);
    state.api = new PlatformClient(state.platform.gatewayUrl);
  }, 180_000);

  afterAll(async () => {
    await state.platform?.stop();
    await state.tearDown();
    expect(state.api?.violations ?? [], 'responses that break openapi/coffer.yaml').toEqual([]);
    rmSync(workDir, { recursive: true, force: true });
  });

  const api = (): PlatformClient => {
    if (state.api === undefined) throw new Error('the platform did not start');
    return state.api;
  };
  return { api };
}

/** Creates a subscription through the REST API; returns its id and secret. */
async function subscribe(api: PlatformClient, token: string, url: string, eventTypes: string[]): Promise<{ id: string; secret: string }> {
  const created = await api.call('POST', '/v1/webhooks', { token, json: { url, eventTypes, description: 'e2e' } });
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  const webhook = created.json?.['webhook'] as { id: string };
  return { id: webhook.id, secret: String(created.json?.['secret']) };
}

async function deliveries(api: PlatformClient, token: string, subscriptionId: string, status = ''): Promise<Delivery[]> {
  const all: Delivery[] = [];
  let pageToken = '';
  do {
    const query = new URLSearchParams({ pageSize: '200', ...(status ? { status } : {}), ...(pageToken ? { pageToken } : {}) });
    const page = await api.call('GET', `/v1/webhooks/${subscriptionId}/deliveries?${query.toString()}`, { token });
    expect(page.status).toBe(200);
    all.push(...(page.json?.['deliveries'] as Delivery[]));
    const next = page.json?.['nextPageToken'];
    pageToken = typeof next === 'string' ? next : '';
  } while (pageToken !== '');
  return all;
}

async function uploadMany(api: PlatformClient, token: string, prefix: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < count) {
        const index = next;
        next += 1;
        const answer = await api.upload(token, `${prefix}-${index}.txt`, `content ${index}`);
        expect(answer.status).toBe(201);
        ids.push(String(answer.json?.['id']));
      }
    }),
  );
  return ids;
}

describe('webhooks on the production engines (PostgreSQL, Kafka, S3, Redis)', () => {
  const { api } = platformOn(productionTarget, 9_000);
  const receiver = new WebhookReceiver();

  beforeAll(() => receiver.start());
  afterAll(() => receiver.stop());

  it('delivers signed CloudEvents that the official standardwebhooks package verifies, to the owner only', async () => {
    const owner = await api().signIn('hooks-owner@example.com');
    const stranger = await api().signIn('hooks-stranger@example.com');
    const mine = await subscribe(api(), owner.token, receiver.url, ['file.*']);
    const theirs = await subscribe(api(), stranger.token, receiver.url, ['*']);
    receiver.secrets = [mine.secret, theirs.secret];

    const fileId = String((await api().upload(owner.token, 'hooked.txt', 'hello hooks')).json?.['id']);
    const received = await receiver.until((all) => all.some((hook) => hook.event.subject === fileId), 60_000);
    const forFile = received.filter((hook) => hook.event.subject === fileId);
    expect(forFile).toHaveLength(1);
    expect(forFile[0]?.event.type).toBe('file.uploaded');
    expect(forFile[0]?.verifiedWith).toEqual([mine.secret]);
    expect(forFile[0]?.id).toMatch(/^msg_/);

    // The stranger's catch-all subscription saw nothing of the owner's file.
    await new Promise((wait) => setTimeout(wait, 2_000));
    expect(receiver.received.filter((hook) => hook.event.subject === fileId && hook.verifiedWith.includes(theirs.secret))).toEqual([]);
    expect((await api().call('GET', `/v1/webhooks/${mine.id}`, { token: stranger.token })).status).toBe(404);
    expect((await api().call('DELETE', `/v1/webhooks/${theirs.id}`, { token: stranger.token })).status).toBe(204);
  }, 120_000);

  it('pings, rotates the secret (both signatures during the overlap) and replays with the same webhook-id', async () => {
    const owner = await api().signIn('hooks-rotate@example.com');
    const sub = await subscribe(api(), owner.token, receiver.url, ['file.uploaded']);
    receiver.secrets = [sub.secret];

    const ping = await api().call('POST', `/v1/webhooks/${sub.id}/ping`, { token: owner.token });
    expect(ping.status).toBe(202);
    const pingId = String(ping.json?.['deliveryId']);
    const pinged = (await receiver.until((all) => all.some((hook) => hook.id === pingId), 30_000)).find((hook) => hook.id === pingId);
    expect(pinged).toMatchObject({ verified: true, event: { type: 'webhook.ping', subject: sub.id } });

    const rotated = await api().call('POST', `/v1/webhooks/${sub.id}/secret`, { token: owner.token, json: { overlapSeconds: 3600 } });
    expect(rotated.status).toBe(200);
    const newSecret = String(rotated.json?.['secret']);
    receiver.secrets = [newSecret, sub.secret];
    const fileId = String((await api().upload(owner.token, 'rotated.txt', 'x')).json?.['id']);
    const afterRotation = (await receiver.until((all) => all.some((hook) => hook.event.subject === fileId), 60_000)).find((hook) => hook.event.subject === fileId);
    expect(afterRotation?.signatures).toHaveLength(2);
    expect(afterRotation?.verifiedWith).toEqual([newSecret, sub.secret]);

    const replay = await api().call('POST', `/v1/webhooks/${sub.id}/replay`, { token: owner.token, json: { deliveryId: afterRotation?.id } });
    expect(replay.json).toEqual({ replayed: 1 });
    await receiver.until((all) => all.filter((hook) => hook.id === afterRotation?.id).length === 2, 30_000);
    expect(receiver.received.filter((hook) => hook.id === afterRotation?.id)).toHaveLength(2);
  }, 120_000);

  it('refuses endpoints on private, loopback, link-local and metadata addresses that are not allowlisted', async () => {
    const owner = await api().signIn('hooks-ssrf@example.com');
    for (const url of ['http://10.0.0.5/hook', 'http://169.254.169.254/latest/meta-data', 'http://[::1]:8080/', 'http://[fd00::1]/', 'http://192.168.1.1/', 'http://[::ffff:10.0.0.1]/']) {
      const answer = await api().call('POST', '/v1/webhooks', { token: owner.token, json: { url, eventTypes: ['*'] } });
      expect(answer.status, url).toBe(400);
    }
  });

  it('times out on a slow receiver and retries; a 410 disables the endpoint and tells its owner through an event', async () => {
    const owner = await api().signIn('hooks-slow@example.com');
    const slow = new WebhookReceiver();
    await slow.start();
    const notices = new WebhookReceiver();
    await notices.start();
    try {
      const sub = await subscribe(api(), owner.token, slow.url, ['file.uploaded']);
      const noticeSub = await subscribe(api(), owner.token, notices.url, ['webhook.*']);
      slow.secrets = [sub.secret];
      notices.secrets = [noticeSub.secret];
      slow.behaviour = { status: 200, delayMs: 3_000 };
      const fileId = String((await api().upload(owner.token, 'slow.txt', 'x')).json?.['id']);
      await slow.until((all) => all.filter((hook) => hook.event.subject === fileId).length >= 2, 60_000);
      const attempts = slow.received.filter((hook) => hook.event.subject === fileId);
      expect(attempts.length).toBeGreaterThanOrEqual(2);
      expect(new Set(attempts.map((hook) => hook.id)).size).toBe(1);
      const [pending] = await deliveries(api(), owner.token, sub.id);
      expect(pending).toMatchObject({ status: 'pending' });
      expect(pending?.lastError).toMatch(/timeout/);

      // The endpoint says it is gone: the subscription is disabled, the owner is told.
      slow.behaviour = { status: 410 };
      const goneFile = String((await api().upload(owner.token, 'gone.txt', 'x')).json?.['id']);
      await slow.until((all) => all.some((hook) => hook.event.subject === goneFile), 60_000);
      const notice = (await notices.until((all) => all.some((hook) => hook.event.type === 'webhook.endpoint_disabled'), 60_000)).find((hook) => hook.event.type === 'webhook.endpoint_disabled');
      expect(notice).toMatchObject({ verified: true, event: { subject: sub.id, data: { reason: 'gone', subscriptionId: sub.id, ownerId: owner.userId } } });
      const state = await api().call('GET', `/v1/webhooks/${sub.id}`, { token: owner.token });
      expect(state.json).toMatchObject({ enabled: false, disabledReason: 'gone' });
      expect((await api().call('POST', `/v1/webhooks/${sub.id}/ping`, { token: owner.token })).status).toBe(409);
    } finally {
      await slow.stop();
      await notices.stop();
    }
  }, 180_000);

  it(`delivers all ${OUTAGE_EVENTS} events that happened while the receiver was down for 5 minutes, each under one webhook-id`, async () => {
    const owner = await api().signIn('hooks-outage@example.com');
    const outage = new WebhookReceiver();
    await outage.start();
    const sub = await subscribe(api(), owner.token, outage.url, ['file.uploaded']);
    outage.secrets = [sub.secret];
    await outage.stop();
    const downAt = Date.now();

    const fileIds = await uploadMany(api(), owner.token, 'outage', OUTAGE_EVENTS);
    expect(new Set(fileIds).size).toBe(OUTAGE_EVENTS);
    const queued = await deliveries(api(), owner.token, sub.id);
    await new Promise((wait) => setTimeout(wait, Math.max(0, downAt + OUTAGE_MS - Date.now())));
    const failedWhileDown = (await deliveries(api(), owner.token, sub.id)).filter((delivery) => delivery.attempts > 0);
    await outage.start();
    const upAt = Date.now();

    const wanted = new Set(fileIds);
    await outage.until((all) => new Set(all.filter((hook) => wanted.has(hook.event.subject)).map((hook) => hook.event.subject)).size === OUTAGE_EVENTS, 180_000);
    const byEvent = new Map<string, Set<string>>();
    for (const hook of outage.received) {
      expect(hook.verified).toBe(true);
      const ids = byEvent.get(hook.event.id) ?? new Set<string>();
      ids.add(hook.id);
      byEvent.set(hook.event.id, ids);
    }
    const subjects = new Set(outage.received.map((hook) => hook.event.subject));
    const final = await deliveries(api(), owner.token, sub.id);
    console.info(
      `webhook outage: ${OUTAGE_EVENTS} uploads while down; ${queued.length} deliveries queued right after the uploads; ` +
        `${failedWhileDown.length} had failed attempts when the receiver came back after ${Math.round((upAt - downAt) / 1000)} s; ` +
        `all delivered ${Math.round((Date.now() - upAt) / 1000)} s later; ${outage.received.length} requests received for ${byEvent.size} events; ` +
        `max attempts ${Math.max(...final.map((delivery) => delivery.attempts))}`,
    );
    expect([...wanted].filter((id) => !subjects.has(id))).toEqual([]);
    expect(byEvent.size).toBe(OUTAGE_EVENTS);
    expect([...byEvent.values()].filter((ids) => ids.size !== 1)).toEqual([]);
    expect(failedWhileDown.length).toBe(OUTAGE_EVENTS);
    await new Promise((wait) => setTimeout(wait, 1_000));
    expect((await deliveries(api(), owner.token, sub.id)).filter((delivery) => delivery.status !== 'succeeded')).toEqual([]);
    await outage.stop();
  }, OUTAGE_MS + 360_000);
});

describe('webhooks on the embedded defaults (make dev: events forwarded to the webhook service)', () => {
  const { api } = platformOn(embeddedTarget, 7_000);
  const receiver = new WebhookReceiver();

  beforeAll(() => receiver.start());
  afterAll(() => receiver.stop());

  it('delivers the events each user may see (actor, owner or subject) to their own subscription, signed with its secret', async () => {
    const owner = await api().signIn('dev-hooks-owner@example.com');
    const grantee = await api().signIn('dev-hooks-grantee@example.com');
    const ownerSub = await subscribe(api(), owner.token, receiver.url, ['file.*', 'share.*']);
    const granteeSub = await subscribe(api(), grantee.token, receiver.url, ['*']);
    receiver.secrets = [ownerSub.secret, granteeSub.secret];

    const fileId = String((await api().upload(owner.token, 'dev.txt', 'dev hooks')).json?.['id']);
    const share = await api().call('POST', `/v1/files/${fileId}/shares`, { token: owner.token, json: { granteeId: grantee.userId, permission: 'read' } });
    expect(share.status).toBe(201);
    expect((await api().call('GET', `/v1/files/${fileId}/content`, { token: grantee.token })).status).toBe(200);
    const aboutFile = () => receiver.received.filter((hook) => hook.event.subject === fileId);
    await receiver.until(() => aboutFile().filter((hook) => hook.event.type === 'file.downloaded').length >= 2 && aboutFile().some((hook) => hook.event.type === 'share.granted'), 60_000);
    await new Promise((wait) => setTimeout(wait, 1_000));

    const seenBy = (secret: string) => aboutFile().filter((hook) => hook.verifiedWith.includes(secret)).map((hook) => hook.event.type).sort();
    // The owner owns the file: every step. The grantee acted only in the download.
    expect(seenBy(ownerSub.secret)).toEqual(['file.downloaded', 'file.uploaded', 'share.granted']);
    expect(seenBy(granteeSub.secret)).toEqual(['file.downloaded']);
    expect(aboutFile().every((hook) => hook.verifiedWith.length === 1)).toBe(true);
    expect((await deliveries(api(), owner.token, ownerSub.id)).map((delivery) => delivery.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  }, 120_000);
});
