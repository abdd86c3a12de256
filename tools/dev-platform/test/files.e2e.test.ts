import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificates } from '@coffer/pki';
import { ALL_SERVICES } from '@coffer/platform';
import { launchPlatform, type RunningPlatform } from '../src/launch-platform.js';
import { PlatformClient, type CallResult } from './platform-client.js';
import { embeddedTarget, productionTarget, type ObjectInspector, type PlatformTarget } from './storage-targets.js';

/**
 * Files end to end through the REST API: eight real processes over mTLS on the embedded
 * engines (PGlite, filesystem object store). The authorization matrix, cross-user probing,
 * bad uploads that must leave nothing behind, integrity failures and Range handling.
 */
const MAX_FILE_SIZE = 1024 * 1024;
const QUOTA_BYTES = 4 * 1024 * 1024;

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const digestHeader = (data: Buffer | string) => `sha-256=:${createHash('sha256').update(data).digest('base64')}:`;
const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

function filesSuite(target: PlatformTarget): void {
  const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const workDir = mkdtempSync(join(tmpdir(), 'coffer-e2e-files-'));
  let platform: RunningPlatform;
  let api: PlatformClient;
  let objects: ObjectInspector;
  let tearDown: () => Promise<void> = () => Promise.resolve();
  const storedObjects = () => objects.list();

  beforeAll(async () => {
    const state = await target.setUp(workDir);
    objects = state.objects;
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
        COFFER_MAX_FILE_SIZE_BYTES: String(MAX_FILE_SIZE),
        COFFER_QUOTA_MAX_BYTES: String(QUOTA_BYTES),
        COFFER_QUOTA_MAX_FILES: '1000',
        COFFER_DENIED_CONTENT_TYPES: 'application/x-msdownload',
        COFFER_FILE_SCRUB_INTERVAL_MS: '1000',
        ...state.env,
      },
      onLine: () => undefined,
    });
    await platform.waitUntilHealthy(90_000);
    api = new PlatformClient(platform.gatewayUrl);
  }, 120_000);

  afterAll(async () => {
    await platform.stop();
    await tearDown();
    expect(api.violations, 'responses that break openapi/coffer.yaml').toEqual([]);
    rmSync(workDir, { recursive: true, force: true });
  });

  it('uploads, lists, downloads with a matching digest, versions by name, renames, trashes, restores and purges', async () => {
    const { token, userId } = await api.signIn('owner-basic@example.com');
    const content = randomBytes(200_000);
    const created = await api.upload(token, 'report.bin', content, { folder: '/docs', headers: { 'content-digest': digestHeader(content) } });
    expect(created.status).toBe(201);
    const file = created.json as { id: string; sha256: string; size: number; version: number; ownerId: string };
    expect(file).toMatchObject({ sha256: sha256(content), size: content.length, version: 1, ownerId: userId });
    expect(created.headers.get('location')).toBe(`/v1/files/${file.id}`);

    const download = await api.call('GET', `/v1/files/${file.id}/content`, { token });
    expect(download.status).toBe(200);
    expect(sha256(download.bytes)).toBe(sha256(content));
    expect(download.headers.get('content-digest')).toBe(digestHeader(content));
    expect(download.headers.get('etag')).toBe(`"${sha256(content)}"`);
    expect(download.headers.get('content-disposition')).toContain('attachment');
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');

    const second = randomBytes(1000);
    const versioned = await api.upload(token, 'report.bin', second, { folder: '/docs' });
    expect(versioned.status).toBe(200);
    expect(versioned.json).toMatchObject({ id: file.id, version: 2, versionCount: 2 });
    expect((await api.upload(token, 'report.bin', second, { folder: '/docs', query: 'overwrite=false' })).status).toBe(409);
    const versions = await api.call('GET', `/v1/files/${file.id}/versions`, { token });
    expect((versions.json?.['versions'] as { version: number }[]).map((version) => version.version)).toEqual([2, 1]);
    const v1 = await api.call('GET', `/v1/files/${file.id}/content?version=1`, { token });
    expect(sha256(v1.bytes)).toBe(sha256(content));

    const listed = await api.call('GET', '/v1/files?folder=/docs', { token });
    expect((listed.json?.['files'] as { id: string }[]).map((entry) => entry.id)).toEqual([file.id]);

    const renamed = await api.call('PATCH', `/v1/files/${file.id}`, { token, json: { name: 'final.bin', folder: '/archive' } });
    expect(renamed.json).toMatchObject({ name: 'final.bin', folder: '/archive' });

    expect((await api.call('DELETE', `/v1/files/${file.id}`, { token })).status).toBe(204);
    expect((await api.call('GET', `/v1/files/${file.id}/content`, { token })).status).toBe(404);
    const trash = await api.call('GET', '/v1/files?trashed=true', { token });
    expect((trash.json?.['files'] as { id: string }[]).map((entry) => entry.id)).toEqual([file.id]);
    expect((await api.call('POST', `/v1/files/${file.id}/restore`, { token })).status).toBe(200);
    expect((await api.call('GET', `/v1/files/${file.id}/content`, { token })).status).toBe(200);

    const before = (await storedObjects()).length;
    expect((await api.call('DELETE', `/v1/files/${file.id}?purge=true`, { token })).status).toBe(204);
    expect((await api.call('GET', `/v1/files/${file.id}`, { token })).status).toBe(404);
    expect((await storedObjects()).length).toBe(before - 2);
    const usage = await api.call('GET', '/v1/users/me/usage', { token });
    expect(usage.json).toMatchObject({ bytesUsed: 0, fileCount: 0, maxFileSize: MAX_FILE_SIZE, maxBytes: QUOTA_BYTES });
  });

  it('accepts multipart/form-data uploads, naming the file from the part', async () => {
    const { token } = await api.signIn('owner-multipart@example.com');
    const form = new FormData();
    form.append('file', new Blob(['hello multipart']), 'greeting.txt');
    const response = await fetch(`${platform.gatewayUrl}/v1/files?folder=/in`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ name: 'greeting.txt', folder: '/in', size: 15, sniffedContentType: 'text/plain' });
  });

  describe('bad uploads get a clear 4xx and leave nothing in either store', () => {
    let token: string;
    beforeAll(async () => {
      ({ token } = await api.signIn('owner-bad@example.com'));
    });

    const expectNothingKept = async (attempt: () => Promise<CallResult | void>, status: number | undefined, code?: string) => {
      const objectsBefore = await storedObjects();
      const usageBefore = (await api.call('GET', '/v1/users/me/usage', { token })).json;
      const result = await attempt();
      if (status !== undefined && result) {
        expect(result.status).toBe(status);
        if (code) expect(result.json?.['code']).toBe(code);
        expect(JSON.stringify(result.json)).not.toMatch(/at .*\.js|stack/i);
      }
      // The file service finishes its clean-up asynchronously after a dropped connection.
      for (let attemptNumber = 0; attemptNumber < 40 && (await storedObjects()).length !== objectsBefore.length; attemptNumber += 1) await sleep(100);
      expect(await storedObjects()).toEqual(objectsBefore);
      expect((await api.call('GET', '/v1/users/me/usage', { token })).json).toEqual(usageBefore);
      expect(((await api.call('GET', '/v1/files', { token })).json?.['files'] as unknown[]).length).toBe((usageBefore?.['fileCount'] as number) ?? 0);
    };

    it('a Content-Digest mismatch → 400', () =>
      expectNothingKept(() => api.upload(token, 'digest.bin', randomBytes(50_000), { headers: { 'content-digest': digestHeader('something else') } }), 400, 'invalid_argument'));

    it('a malformed Content-Digest → 400', () => expectNothingKept(() => api.upload(token, 'digest2.bin', 'abc', { headers: { 'content-digest': 'sha-256=:nope:' } }), 400));

    it('a body above the maximum size → 413', () => expectNothingKept(() => api.upload(token, 'big.bin', randomBytes(MAX_FILE_SIZE + 1)), 413, 'payload_too_large'));

    it('an upload above the quota → 413 quota_exceeded', async () => {
      // Fill the quota to within 100 kB, then try 200 kB more.
      for (let index = 0; index < 3; index += 1) expect((await api.upload(token, `fill-${index}.bin`, randomBytes(MAX_FILE_SIZE))).status).toBe(201);
      expect((await api.upload(token, 'fill-last.bin', randomBytes(MAX_FILE_SIZE - 100_000))).status).toBe(201);
      await expectNothingKept(() => api.upload(token, 'over.bin', randomBytes(200_000)), 413, 'quota_exceeded');
    });

    it('a client that drops the connection mid-upload', () => expectNothingKept(() => api.abortedUpload(token, 'dropped.bin', 500_000, 100_000), undefined));

    it.each([
      ['..', 'dot-dot'],
      ['a/b.txt', 'slash'],
      ['a\\b.txt', 'backslash'],
      ['bad\u0001name', 'control character'],
      ['\u202Etxt.exe', 'bidi override'],
      ['x'.repeat(256), 'too long'],
      [' lead.txt', 'leading space'],
    ])('a bad name %j (%s) → 400', (name) => expectNothingKept(() => api.upload(token, name, 'content'), 400, 'invalid_argument'));

    it('a bad folder → 400', () => expectNothingKept(() => api.upload(token, 'ok.txt', 'content', { folder: '/a/../b' }), 400, 'invalid_argument'));

    it('a denied content type (sniffed from the bytes, whatever was declared) → 415', () =>
      expectNothingKept(() => api.upload(token, 'setup.png', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200)]), { headers: { 'content-type': 'image/png' } }), 415));

    it('a missing name → 400', () => expectNothingKept(() => api.call('POST', '/v1/files', { token, body: 'x', headers: { 'content-type': 'text/plain' } }), 400));
  });

  describe('Range and conditional requests', () => {
    const content = Buffer.from(Array.from({ length: 1000 }, (_, index) => index % 251));
    let token: string;
    let fileId: string;
    beforeAll(async () => {
      ({ token } = await api.signIn('owner-range@example.com'));
      fileId = String((await api.upload(token, 'range.bin', content)).json?.['id']);
    });
    const etag = `"${sha256(content)}"`;

    it.each([
      ['bytes=0-99', 206, 'bytes 0-99/1000', [0, 100]],
      ['bytes=0-0', 206, 'bytes 0-0/1000', [0, 1]],
      ['bytes=-100', 206, 'bytes 900-999/1000', [900, 1000]],
      ['bytes=900-', 206, 'bytes 900-999/1000', [900, 1000]],
      ['bytes=950-5000', 206, 'bytes 950-999/1000', [950, 1000]],
      ['bytes=-5000', 206, 'bytes 0-999/1000', [0, 1000]],
      ['bytes=0-1,1-2', 206, 'bytes 0-2/1000', [0, 3]],
      ['bytes=0-1,5-6', 200, null, [0, 1000]],
      ['bytes=500-400', 200, null, [0, 1000]],
      ['items=0-1', 200, null, [0, 1000]],
      ['bytes=abc', 200, null, [0, 1000]],
      ['bytes=1000-', 416, 'bytes */1000', null],
      ['bytes=-0', 416, 'bytes */1000', null],
    ] as const)('Range %s → %i', async (range, status, contentRange, slice) => {
      const response = await api.call('GET', `/v1/files/${fileId}/content`, { token, headers: { range } });
      expect(response.status).toBe(status);
      expect(response.headers.get('content-range')).toBe(contentRange);
      if (slice) expect(response.bytes.equals(content.subarray(slice[0], slice[1]))).toBe(true);
      if (status === 416) expect(response.json?.['code']).toBe('range_not_satisfiable');
    });

    it('If-None-Match → 304, If-Match mismatch → 412, If-Range honours the ETag', async () => {
      expect((await api.call('GET', `/v1/files/${fileId}/content`, { token, headers: { 'if-none-match': etag } })).status).toBe(304);
      expect((await api.call('GET', `/v1/files/${fileId}/content`, { token, headers: { 'if-match': '"nope"' } })).status).toBe(412);
      expect((await api.call('GET', `/v1/files/${fileId}/content`, { token, headers: { range: 'bytes=0-9', 'if-range': etag } })).status).toBe(206);
      expect((await api.call('GET', `/v1/files/${fileId}/content`, { token, headers: { range: 'bytes=0-9', 'if-range': '"other"' } })).status).toBe(200);
      const head = await fetch(`${platform.gatewayUrl}/v1/files/${fileId}/content`, { method: 'HEAD', headers: { authorization: `Bearer ${token}` } });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe('1000');
    });

    it('PATCH with a stale If-Match → 412 and nothing changes', async () => {
      expect((await api.call('PATCH', `/v1/files/${fileId}`, { token, json: { name: 'x.bin' }, headers: { 'if-match': '"stale"' } })).status).toBe(412);
      expect((await api.call('GET', `/v1/files/${fileId}`, { token })).json?.['name']).toBe('range.bin');
    });
  });

  describe('integrity', () => {
    /** Uploads a file and returns its id and the path of its stored object. */
    const uploadTracked = async (token: string, name: string, content: Buffer) => {
      const before = new Set(await storedObjects());
      const response = await api.upload(token, name, content);
      const added = (await storedObjects()).filter((path) => !before.has(path));
      expect(added).toHaveLength(1);
      return { fileId: String(response.json?.['id']), objectPath: added[0] ?? '' };
    };
    const corrupt = (object: string) => objects.corrupt(object);

    it('a 1-byte corruption is caught on read: the download never completes and the file is quarantined', async () => {
      const { token } = await api.signIn('owner-integrity@example.com');
      const content = randomBytes(300_000);
      const { fileId, objectPath } = await uploadTracked(token, 'victim.bin', content);
      await corrupt(objectPath);
      let completed: Buffer | undefined;
      try {
        const response = await fetch(`${platform.gatewayUrl}/v1/files/${fileId}/content`, { headers: { authorization: `Bearer ${token}` } });
        completed = Buffer.from(await response.arrayBuffer());
      } catch {
        completed = undefined;
      }
      // Either the transfer broke off, or it was refused before any byte: never the full corrupt body.
      if (completed !== undefined) expect(completed.length).toBeLessThan(content.length);
      const record = await api.call('GET', `/v1/files/${fileId}`, { token });
      expect(record.json?.['quarantined']).toBe(true);
      const again = await api.call('GET', `/v1/files/${fileId}/content`, { token });
      expect(again.status).toBe(500);
      expect(again.json?.['code']).toBe('integrity_error');
    });

    it('a 1-byte corruption is caught by the scrubber without anyone reading the file', async () => {
      const { token } = await api.signIn('owner-scrub@example.com');
      const { fileId, objectPath } = await uploadTracked(token, 'quiet.bin', randomBytes(100_000));
      await corrupt(objectPath);
      let quarantined = false;
      for (let attempt = 0; attempt < 100 && !quarantined; attempt += 1) {
        await sleep(200);
        quarantined = (await api.call('GET', `/v1/files/${fileId}`, { token })).json?.['quarantined'] === true;
      }
      expect(quarantined).toBe(true);
    });
  });

  describe('authorization matrix', () => {
    type Actor = 'owner' | 'readGrantee' | 'writeGrantee' | 'expiredGrantee' | 'revokedGrantee' | 'stranger' | 'anonymous' | 'linkHolder';
    const actors: Actor[] = ['owner', 'readGrantee', 'writeGrantee', 'expiredGrantee', 'revokedGrantee', 'stranger', 'anonymous', 'linkHolder'];
    const tokens = {} as Record<Actor, string>;
    const ids = {} as Record<Actor, string>;

    interface Fixture {
      fileId: string;
      shareId: string;
      linkId: string;
      linkToken: string;
    }
    const fixtures = {} as Record<Actor, Fixture>;

    beforeAll(async () => {
      for (const actor of actors.filter((name) => name !== 'anonymous' && name !== 'linkHolder')) {
        const signed = await api.signIn(`matrix-${actor.toLowerCase()}@example.com`);
        tokens[actor] = signed.token;
        ids[actor] = signed.userId;
      }
      const owner = tokens.owner;
      const spare = await api.signIn('matrix-spare@example.com');
      // One file per actor, so destructive operations of one actor do not disturb another's row.
      for (const actor of actors) {
        const fileId = String((await api.upload(owner, `matrix-${actor}.txt`, `content for ${actor}`)).json?.['id']);
        const share = await api.call('POST', `/v1/files/${fileId}/shares`, { token: owner, json: { granteeId: spare.userId, permission: 'read' } });
        const link = await api.call('POST', `/v1/files/${fileId}/links`, { token: owner, json: { expiresInSeconds: 3600 } });
        fixtures[actor] = { fileId, shareId: String(share.json?.['id']), linkId: String(link.json?.['id']), linkToken: String(link.json?.['token']) };
        const grant = (granteeId: string, permission: string, expiresAt?: string) =>
          api.call('POST', `/v1/files/${fileId}/shares`, { token: owner, json: { granteeId, permission, ...(expiresAt ? { expiresAt } : {}) } });
        if (actor === 'readGrantee') expect((await grant(ids.readGrantee, 'read')).status).toBe(201);
        if (actor === 'writeGrantee') expect((await grant(ids.writeGrantee, 'read-write')).status).toBe(201);
        if (actor === 'expiredGrantee') expect((await grant(ids.expiredGrantee, 'read-write', new Date(Date.now() + 1500).toISOString())).status).toBe(201);
        if (actor === 'revokedGrantee') {
          const revoked = await grant(ids.revokedGrantee, 'read-write');
          expect((await api.call('DELETE', `/v1/files/${fileId}/shares/${String(revoked.json?.['id'])}`, { token: owner })).status).toBe(204);
        }
      }
      tokens.anonymous = '';
      // A link holder has no account: the token is their only credential.
      tokens.linkHolder = fixtures.linkHolder.linkToken;
      await sleep(2000);
    }, 120_000);

    type Operation = 'getFile' | 'download' | 'versions' | 'update' | 'uploadVersion' | 'createShare' | 'listShares' | 'revokeShare' | 'createLink' | 'listLinks' | 'revokeLink' | 'trash' | 'restore' | 'purge';
    const operations: Operation[] = ['getFile', 'download', 'versions', 'update', 'uploadVersion', 'createShare', 'listShares', 'revokeShare', 'createLink', 'listLinks', 'revokeLink', 'trash', 'restore', 'purge'];
    const run = (operation: Operation, fixture: Fixture, token: string): Promise<CallResult> => {
      const file = `/v1/files/${fixture.fileId}`;
      const auth = token === '' ? {} : { token };
      switch (operation) {
        case 'getFile':
          return api.call('GET', file, auth);
        case 'download':
          return api.call('GET', `${file}/content`, auth);
        case 'versions':
          return api.call('GET', `${file}/versions`, auth);
        case 'update':
          return api.call('PATCH', file, { ...auth, json: { name: `renamed-${randomUUID()}.txt` } });
        case 'uploadVersion':
          return api.call('PUT', `${file}/content`, { ...auth, body: 'new version', headers: { 'content-type': 'text/plain' } });
        case 'createShare':
          return api.call('POST', `${file}/shares`, { ...auth, json: { granteeId: ids.stranger, permission: 'read' } });
        case 'listShares':
          return api.call('GET', `${file}/shares`, auth);
        case 'revokeShare':
          return api.call('DELETE', `${file}/shares/${fixture.shareId}`, auth);
        case 'createLink':
          return api.call('POST', `${file}/links`, { ...auth, json: {} });
        case 'listLinks':
          return api.call('GET', `${file}/links`, auth);
        case 'revokeLink':
          return api.call('DELETE', `${file}/links/${fixture.linkId}`, auth);
        case 'trash':
          return api.call('DELETE', file, auth);
        case 'restore':
          return api.call('POST', `${file}/restore`, auth);
        case 'purge':
          return api.call('DELETE', `${file}?purge=true`, auth);
      }
    };
    const READ: Operation[] = ['getFile', 'download', 'versions'];
    const WRITE: Operation[] = ['update', 'uploadVersion'];
    // What each actor gets: a status per operation (owner: everything, in this order).
    const expected = (actor: Actor, operation: Operation): number => {
      const success: Record<Operation, number> = {
        getFile: 200, download: 200, versions: 200, update: 200, uploadVersion: 200, createShare: 201, listShares: 200, revokeShare: 204,
        createLink: 201, listLinks: 200, revokeLink: 204, trash: 204, restore: 200, purge: 204,
      };
      switch (actor) {
        case 'owner':
          return success[operation];
        case 'readGrantee':
          return READ.includes(operation) ? success[operation] : 403;
        case 'writeGrantee':
          return READ.includes(operation) || WRITE.includes(operation) ? success[operation] : 403;
        case 'anonymous':
        case 'linkHolder':
          return 401;
        case 'expiredGrantee':
        case 'revokedGrantee':
        case 'stranger':
          // Without any access the file does not exist for them.
          return 404;
      }
    };

    it.each(actors)('%s: every file operation answers as the policy says', async (actor) => {
      const fixture = fixtures[actor];
      for (const operation of operations) {
        const result = await run(operation, fixture, tokens[actor]);
        expect({ operation, status: result.status }).toEqual({ operation, status: expected(actor, operation) });
        if (result.status === 404) expect(result.json?.['code']).toBe('not_found');
      }
      const listing = actor === 'anonymous' || actor === 'linkHolder' ? undefined : await api.call('GET', '/v1/files?pageSize=200', { token: tokens[actor] });
      const visible = ((listing?.json?.['files'] as { id: string }[] | undefined) ?? []).map((file) => file.id);
      if (actor === 'readGrantee' || actor === 'writeGrantee') expect(visible).toContain(fixture.fileId);
      if (actor !== 'owner' && actor !== 'readGrantee' && actor !== 'writeGrantee') expect(visible).not.toContain(fixture.fileId);
    });

    it('a share-link holder downloads through the link only, until it is revoked', async () => {
      const { fileId, linkToken, linkId } = fixtures.stranger;
      const viaLink = await api.call('GET', `/v1/links/${linkToken}`);
      expect(viaLink.status).toBe(200);
      expect(viaLink.bytes.toString()).toBe('content for stranger');
      expect((await api.call('GET', `/v1/links/${linkToken}`, { headers: { range: 'bytes=0-6' } })).bytes.toString()).toBe('content');
      const tampered = `${linkToken.slice(0, -2)}${linkToken.endsWith('A') ? 'BB' : 'AA'}`;
      expect((await api.call('GET', `/v1/links/${tampered}`)).status).toBe(403);
      expect((await api.call('DELETE', `/v1/files/${fileId}/links/${linkId}`, { token: tokens.owner })).status).toBe(204);
      expect((await api.call('GET', `/v1/links/${linkToken}`)).status).toBe(403);
    });

    it('a revoked share stops working at once', async () => {
      const fileId = String((await api.upload(tokens.owner, 'revoke-now.txt', 'soon gone')).json?.['id']);
      const share = await api.call('POST', `/v1/files/${fileId}/shares`, { token: tokens.owner, json: { granteeId: ids.stranger, permission: 'read' } });
      expect((await api.call('GET', `/v1/files/${fileId}/content`, { token: tokens.stranger })).status).toBe(200);
      expect((await api.call('DELETE', `/v1/files/${fileId}/shares/${String(share.json?.['id'])}`, { token: tokens.owner })).status).toBe(204);
      expect((await api.call('GET', `/v1/files/${fileId}/content`, { token: tokens.stranger })).status).toBe(404);
    });

    it('1,000 randomized cross-user attempts leak nothing', async () => {
      const victim = await api.signIn('victim-random@example.com');
      const attacker = await api.signIn('attacker-random@example.com');
      const victimFiles: string[] = [];
      for (let index = 0; index < 10; index += 1) victimFiles.push(String((await api.upload(victim.token, `secret-${index}.txt`, `secret ${index}`)).json?.['id']));
      const trashed = victimFiles.slice(0, 3);
      for (const id of trashed) await api.call('DELETE', `/v1/files/${id}`, { token: victim.token });
      const purged = String((await api.upload(victim.token, 'purged.txt', 'gone')).json?.['id']);
      await api.call('DELETE', `/v1/files/${purged}?purge=true`, { token: victim.token });
      const candidates = [...victimFiles, purged];
      const attempts: Operation[] = ['getFile', 'download', 'versions', 'update', 'uploadVersion', 'createShare', 'listShares', 'createLink', 'listLinks', 'trash', 'restore', 'purge'];
      const statuses = new Map<number, number>();
      const leaks: string[] = [];
      const queue = Array.from({ length: 1000 }, (_, index) => index);
      const worker = async () => {
        for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
          const guessed = index % 4 === 0;
          const fileId = guessed ? randomUUID() : (candidates[index % candidates.length] ?? randomUUID());
          const operation = attempts[index % attempts.length] ?? 'getFile';
          const result = await run(operation, { fileId, shareId: randomUUID(), linkId: randomUUID(), linkToken: '' }, attacker.token);
          statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
          if (result.status < 400 || result.bytes.toString().includes('secret')) leaks.push(`${operation} ${fileId} → ${result.status}`);
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      expect(leaks).toEqual([]);
      expect([...statuses.keys()]).toEqual([404]);
      // The victim's files are untouched.
      for (const id of victimFiles.slice(3)) expect((await api.call('GET', `/v1/files/${id}/content`, { token: victim.token })).status).toBe(200);
    }, 120_000);
  });
}

describe.each([embeddedTarget, productionTarget])('files through the REST API on $name', (target) => filesSuite(target));
