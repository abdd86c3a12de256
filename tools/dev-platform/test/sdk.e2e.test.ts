import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificates } from '@coffer/pki';
import { ALL_SERVICES } from '@coffer/platform';
import { CofferApiError, CofferClient, type AuditEvent, type TokenPair } from '@coffer/sdk';
import { launchPlatform, type RunningPlatform } from '../src/launch-platform.js';
import { PASSWORD } from './platform-client.js';
import { productionTarget, type PlatformTarget } from './storage-targets.js';

/**
 * The acceptance test of the TypeScript SDK: everything through `@coffer/sdk` on a live
 * platform on the production engines (PostgreSQL, S3, Kafka, Redis). 100 MiB streamed up
 * with progress, shared, downloaded by the grantee with a matching SHA-256, revoked, refused,
 * and every step in the owner's audit trail; token refresh (ahead of expiry and after a 401)
 * with a 5 s access token; and an idempotent retry of createShare.
 */
const MIB = 1024 * 1024;
const LARGE_FILE_BYTES = 100 * MIB;
/** Short enough to expire during the suite; the gateway is told to allow no clock skew. */
const ACCESS_TOKEN_TTL_S = 5;

const target: PlatformTarget = { ...productionTarget, portOffset: 1_000 };
const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/** `total` random bytes in 1 MiB chunks made as they are read (never held whole), hashed on the way. */
function randomBody(total: number): { stream: Readable; sha256: () => string } {
  const hash = createHash('sha256');
  let produced = 0;
  const stream = new Readable({
    read() {
      if (produced >= total) {
        this.push(null);
        return;
      }
      const chunk = randomBytes(Math.min(MIB, total - produced));
      produced += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, sha256: () => hash.digest('hex') };
}

describe(`the TypeScript SDK on ${target.name}`, () => {
  const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const workDir = mkdtempSync(join(tmpdir(), 'coffer-e2e-sdk-'));
  let platform: RunningPlatform;
  let tearDown: () => Promise<void> = () => Promise.resolve();

  beforeAll(async () => {
    const state = await target.setUp(workDir);
    tearDown = () => state.tearDown();
    await ensureDevCertificates(join(workDir, 'certs'), ALL_SERVICES);
    platform = launchPlatform({
      rootDir,
      certDir: join(workDir, 'certs'),
      dataDir: join(workDir, 'data'),
      portOffset: target.portOffset,
      env: {
        COFFER_LOG_LEVEL: 'warn',
        // Every request comes from 127.0.0.1: raise the per-address and per-user limits.
        COFFER_RATE_LIMIT_CREDENTIALS: '10000',
        COFFER_RATE_LIMIT_ANONYMOUS: '10000',
        COFFER_RATE_LIMIT_BAD_TOKENS: '10000',
        COFFER_RATE_LIMIT_USER: '100000',
        COFFER_SIGNUPS_PER_ADDRESS: '1000',
        COFFER_LOGIN_ATTEMPTS_PER_ADDRESS: '1000',
        COFFER_MAX_FILE_SIZE_BYTES: String(200 * MIB),
        COFFER_QUOTA_MAX_BYTES: String(1024 * MIB),
        COFFER_QUOTA_MAX_FILES: '1000',
        COFFER_ACCESS_TOKEN_TTL_S: String(ACCESS_TOKEN_TTL_S),
        COFFER_TOKEN_CLOCK_TOLERANCE_S: '0',
        ...state.env,
      },
      onLine: () => undefined,
    });
    // A generous ceiling, not a timing assertion: the machine may be busy.
    await platform.waitUntilHealthy(180_000);
  }, 300_000);

  afterAll(async () => {
    await platform?.stop();
    await tearDown();
    rmSync(workDir, { recursive: true, force: true });
  });

  /** A signed-up, signed-in client, and the tokens it reported. */
  const signedIn = async (email: string): Promise<{ client: CofferClient; userId: string; reported: (TokenPair | undefined)[] }> => {
    const reported: (TokenPair | undefined)[] = [];
    const client = new CofferClient({ baseUrl: platform.gatewayUrl, onTokens: (tokens) => void reported.push(tokens) });
    await client.auth.signUp({ email, displayName: email.split('@')[0] ?? email, password: PASSWORD });
    await client.auth.login({ email, password: PASSWORD });
    const me = await client.users.me();
    return { client, userId: me.id, reported };
  };

  /** Polls the caller's audit view of a resource until every type is there, or a deadline passes. */
  const auditUntil = async (client: CofferClient, resource: string, types: readonly string[]): Promise<AuditEvent[]> => {
    const deadline = Date.now() + 60_000;
    let events: AuditEvent[] = [];
    while (Date.now() < deadline) {
      events = [];
      for await (const event of client.audit.list({ resource, pageSize: 50 })) events.push(event);
      if (types.every((type) => events.some((event) => event.type === type))) return events;
      await sleep(500);
    }
    return events;
  };

  it('uploads 100 MiB with progress, shares it, the grantee downloads it intact, the revoke holds, and the audit shows it all', async () => {
    const owner = await signedIn('sdk-owner@example.com');
    const grantee = await signedIn('sdk-grantee@example.com');

    const body = randomBody(LARGE_FILE_BYTES);
    let last = 0;
    let monotonic = true;
    let totals = new Set<number | undefined>();
    const file = await owner.client.files.upload(body.stream, {
      name: 'large.bin',
      folder: '/sdk-e2e',
      size: LARGE_FILE_BYTES,
      onProgress: ({ transferred, total }) => {
        if (transferred < last) monotonic = false;
        last = transferred;
        totals = totals.add(total);
      },
    });
    const expectedSha256 = body.sha256();
    expect(file).toMatchObject({ name: 'large.bin', folder: '/sdk-e2e', size: LARGE_FILE_BYTES, sha256: expectedSha256, ownerId: owner.userId });
    expect(monotonic).toBe(true);
    expect(last).toBe(LARGE_FILE_BYTES);
    expect([...totals]).toEqual([LARGE_FILE_BYTES]);

    const listed: string[] = [];
    for await (const entry of owner.client.files.list({ folder: '/sdk-e2e' })) listed.push(entry.id);
    expect(listed).toEqual([file.id]);

    const share = await owner.client.shares.create(file.id, { granteeId: grantee.userId, permission: 'read' });
    expect(share).toMatchObject({ fileId: file.id, granteeId: grantee.userId, permission: 'read' });

    const download = await grantee.client.files.download(file.id);
    expect(download).toMatchObject({ status: 200, size: LARGE_FILE_BYTES, sha256: expectedSha256 });
    const received = createHash('sha256');
    let receivedBytes = 0;
    // The SDK checks the digest itself (the stream would error); hash here too, independently.
    for await (const chunk of download.body) {
      received.update(chunk);
      receivedBytes += chunk.byteLength;
    }
    expect(receivedBytes).toBe(LARGE_FILE_BYTES);
    expect(received.digest('hex')).toBe(expectedSha256);

    await owner.client.shares.revoke(file.id, share.id);
    // No existence oracle: a file you may not read is "not found", like one that does not exist.
    const refused = await grantee.client.files.download(file.id).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(CofferApiError);
    expect([403, 404]).toContain((refused as CofferApiError).status);

    const steps = ['file.uploaded', 'share.granted', 'file.downloaded', 'share.revoked'];
    const events = await auditUntil(owner.client, file.id, steps);
    expect(steps.filter((type) => !events.some((event) => event.type === type))).toEqual([]);
    expect(events.find((event) => event.type === 'file.downloaded')).toMatchObject({ actorId: grantee.userId, outcome: 'success' });
  }, 600_000);

  it('refreshes the access token ahead of its expiry and after a 401, following refresh-token rotation', async () => {
    const { client, reported } = await signedIn('sdk-refresh@example.com');
    const first = client.auth.tokens;
    expect(reported.map((tokens) => tokens?.accessToken)).toEqual([first?.accessToken]);

    // Past the access token's lifetime: the next call refreshes first (no 401 needed).
    await sleep(ACCESS_TOKEN_TTL_S * 1000 + 500);
    await expect(client.users.me()).resolves.toMatchObject({ email: 'sdk-refresh@example.com' });
    expect(reported).toHaveLength(2);
    const second = client.auth.tokens;
    expect(second?.refreshToken).not.toBe(first?.refreshToken);
    expect(second?.accessToken).not.toBe(first?.accessToken);

    // Concurrent calls that all need a refresh share one: a rotated refresh token used twice
    // would revoke the whole family, and every call would then fail.
    await sleep(ACCESS_TOKEN_TTL_S * 1000 + 500);
    await Promise.all([client.users.me(), client.users.usage(), client.auth.listSessions(), client.files.listPage()]);
    expect(reported).toHaveLength(3);

    // A client that cannot know its access token's expiry (not a JWT here) gets a 401, refreshes
    // once and repeats the call. It takes over the latest refresh token; the first client is done.
    const latest = client.auth.tokens;
    const fromProfile: (TokenPair | undefined)[] = [];
    const resumed = new CofferClient({
      baseUrl: platform.gatewayUrl,
      tokens: { accessToken: 'not-a-valid-access-token', refreshToken: latest?.refreshToken ?? '' },
      onTokens: (tokens) => void fromProfile.push(tokens),
    });
    await expect(resumed.users.me()).resolves.toMatchObject({ email: 'sdk-refresh@example.com' });
    expect(fromProfile).toHaveLength(1);
    expect(fromProfile[0]?.refreshToken).not.toBe(latest?.refreshToken);

    await resumed.auth.logout();
    expect(fromProfile.at(-1)).toBeUndefined();
    await expect(resumed.users.me()).rejects.toMatchObject({ status: 401 });
  }, 120_000);

  it('answers a createShare repeated with the same Idempotency-Key from the first run: one share', async () => {
    const owner = await signedIn('sdk-idempotent-owner@example.com');
    const grantee = await signedIn('sdk-idempotent-grantee@example.com');
    const file = await owner.client.files.upload(randomBytes(4096), { name: 'idempotent.bin' });
    const idempotencyKey = randomUUID();
    const body = { granteeId: grantee.userId, permission: 'read' as const };

    const first = await owner.client.shares.create(file.id, body, { idempotencyKey });
    const again = await owner.client.request('post', '/v1/files/{fileId}/shares', { params: { path: { fileId: file.id } }, body, idempotencyKey });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.data.id).toBe(first.id);
    expect((await owner.client.shares.list(file.id)).map((share) => share.id)).toEqual([first.id]);
  }, 120_000);

  it('uploads from bytes with Content-Digest, downloads to a file, and serves a share link anonymously', async () => {
    const { client } = await signedIn('sdk-links@example.com');
    const content = randomBytes(300_000);
    const sha256 = createHash('sha256').update(content).digest('hex');
    const file = await client.files.upload(content, { name: 'linked.bin', contentType: 'application/octet-stream' });
    expect(file.sha256).toBe(sha256);

    const path = join(workDir, 'downloaded.bin');
    await expect(client.files.downloadTo(file.id, path)).resolves.toMatchObject({ size: content.length, sha256, serverSha256: sha256, fileName: 'linked.bin' });

    const link = await client.links.create(file.id, { expiresInSeconds: 600 });
    const anonymous = new CofferClient({ baseUrl: platform.gatewayUrl });
    const viaLink = await anonymous.links.download(link.token, { range: { start: 10, end: 19 } });
    expect(viaLink).toMatchObject({ status: 206, range: { start: 10, end: 19 }, totalSize: content.length });
    const chunks: Uint8Array[] = [];
    for await (const chunk of viaLink.body) chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(content.subarray(10, 20))).toBe(true);
  }, 120_000);
});
