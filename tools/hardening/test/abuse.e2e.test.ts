import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbuseClient, PASSWORD, eventually, inBatches, rawExchange, rawProblem, sessionIdOf, type Answer } from './abuse-client.js';
import { startAbusePlatform, type AbusePlatform } from './abuse-platform.js';

/**
 * Issue 11, "Abuse": one platform on the production engines (PostgreSQL, S3, Kafka, Redis),
 * one `describe` per abuse. Each proves the platform stays bounded, answers with a clear RFC 9457
 * problem (status, `type`, `code` from the catalog in libs/platform) and that nothing else broke:
 * a normal request still works afterwards, nothing is left in the bucket.
 * Numbers and reasoning: docs/security/abuse.md.
 */
const PORT_OFFSET = 4_500;
const CREDENTIALS_PER_ADDRESS = 60;
const MAX_SESSIONS_PER_USER = 20;
const USER_REQUESTS_PER_WINDOW = 1_100;
const MAX_LINKS_PER_FILE = 50;
const MAX_SHARES_PER_FILE = 3;
const HEADERS_TIMEOUT_MS = 2_000;
const REQUEST_TIMEOUT_MS = 5_000;

const settings: Record<string, string> = {
  // Each case sends from its own client address (X-Forwarded-For from loopback), so one
  // case's per-address limits never decide another's.
  COFFER_TRUST_PROXY: 'loopback',
  // One window longer than the whole file: the counts below are exact, not a race with the clock.
  COFFER_RATE_LIMIT_WINDOW_S: '900',
  COFFER_RATE_LIMIT_CREDENTIALS: String(CREDENTIALS_PER_ADDRESS),
  COFFER_RATE_LIMIT_ANONYMOUS: '1000',
  COFFER_RATE_LIMIT_BAD_TOKENS: '1000',
  COFFER_RATE_LIMIT_USER: String(USER_REQUESTS_PER_WINDOW),
  // The gateway's credentials limit is the bound under test for logins, not auth's own.
  // (auth's per-account throttle, 5 by default, stops a parallel flood even sooner: docs/security/abuse.md).
  COFFER_LOGIN_ATTEMPTS_PER_ADDRESS: '100000',
  COFFER_LOGIN_FAILURES_PER_ACCOUNT: '100000',
  COFFER_SIGNUPS_PER_ADDRESS: '100',
  COFFER_MAX_SESSIONS_PER_USER: String(MAX_SESSIONS_PER_USER),
  // Revocations take effect on the next request (no cached session check).
  COFFER_SESSION_CHECK_CACHE_MS: '0',
  COFFER_MAX_LINKS_PER_FILE: String(MAX_LINKS_PER_FILE),
  COFFER_MAX_SHARES_PER_FILE: String(MAX_SHARES_PER_FILE),
  COFFER_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
  COFFER_UPLOAD_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
  COFFER_CONNECTIONS_CHECK_INTERVAL_MS: '250',
};

/** A fresh TEST-NET-2 address per case (RFC 5737), so reruns against the shared Redis start clean. */
const freshAddress = () => `198.51.${randomInt(0, 256)}.${randomInt(1, 255)}`;
const email = (label: string) => `${label}-${randomUUID().slice(0, 8)}@example.com`;

function expectProblem(answer: Answer, status: number, code: string): void {
  expect(answer.status, answer.bytes.toString('utf8').slice(0, 300)).toBe(status);
  expect(String(answer.headers['content-type'])).toMatch(/^application\/problem\+json/);
  expect(answer.json).toMatchObject({ status, code, type: `https://coffer.dev/problems/${code.replaceAll('_', '-')}` });
}

/** Counts each case measured, printed at the end for docs/security/abuse.md. */
const measured: Record<string, unknown> = {};

let stack: AbusePlatform;
let base: string;
const clients: AbuseClient[] = [];
const client = (address = freshAddress()) => {
  const created = new AbuseClient(base, address);
  clients.push(created);
  return created;
};

beforeAll(async () => {
  stack = await startAbusePlatform(PORT_OFFSET, settings);
  base = stack.platform.gatewayUrl;
}, 180_000);

afterAll(async () => {
  console.info(`abuse measurements: ${JSON.stringify(measured)}`);
  await stack?.stop();
  expect(clients.flatMap((c) => c.violations), 'answers that break openapi/coffer.yaml').toEqual([]);
}, 60_000);

describe('1. path traversal and odd Unicode in names and paths', () => {
  let api: AbuseClient;
  let alice: { token: string; userId: string };
  let bob: { token: string; userId: string };
  let bobsFileId: string;

  beforeAll(async () => {
    api = client();
    alice = await api.signIn(email('alice'));
    bob = await api.signIn(email('bob'));
    const secret = await api.upload(bob.token, 'secret.txt', 'bob only', '/private');
    expect(secret.status).toBe(201);
    bobsFileId = String(secret.json?.['id']);
  }, 60_000);

  it.each([
    ['parent segment', '../secret.txt'],
    ['Windows parent segment', '..\\secret.txt'],
    ['absolute POSIX path', '/etc/passwd'],
    ['absolute Windows path', 'C:\\Windows\\win.ini'],
    ['dot-dot', '..'],
    ['dot', '.'],
    ['NUL', 'a\u0000b.txt'],
    ['BEL control', 'a\u0007b.txt'],
    ['CR LF header injection', 'a.txt\r\nx-injected: 1'],
    ['RTL override', 'invoice\u202Etxt.exe'],
    ['overlong in characters (300)', 'x'.repeat(300)],
    ['overlong in UTF-8 bytes (130 × é = 260 bytes)', '\u00e9'.repeat(130)],
  ])('refuses a file name with %s: 400 invalid_argument, nothing stored', async (_label, name) => {
    const before = await stack.objects();
    expectProblem(await api.upload(alice.token, name, 'x'), 400, 'invalid_argument');
    expect(await stack.objects()).toEqual(before);
  });

  it.each([
    ['relative', '../private'],
    ['parent segment', '/../private'],
    ['inner parent segment', '/docs/../private'],
    ['trailing parent segment', '/private/..'],
    ['backslash', '/docs\\..\\private'],
    ['NUL', '/docs\u0000'],
    ['RTL override', '/docs\u202E'],
  ])('refuses a folder that is %s: 400 invalid_argument', async (_label, folder) => {
    expectProblem(await api.upload(alice.token, 'a.txt', 'x', folder), 400, 'invalid_argument');
    expectProblem(await api.call('GET', `/v1/files?${new URLSearchParams({ folder }).toString()}`, { token: alice.token }), 400, 'invalid_argument');
  });

  it.each([
    ['an encoded lone surrogate in the name', '/v1/files?name=%ED%A0%80.txt'],
    ['an invalid UTF-8 byte in the name', '/v1/files?name=%FF.txt'],
    ['an overlong UTF-8 slash in the folder', '/v1/files?name=a.txt&folder=%C0%AF'],
    ['a stray percent', '/v1/files?name=100%.txt'],
  ])('refuses %s in the URL: 400 invalid_argument (never stored as U+FFFD)', async (_label, path) => {
    const answer = await api.call('POST', path, { token: alice.token, body: 'x', headers: { 'content-type': 'application/octet-stream' } });
    expectProblem(answer, 400, 'invalid_argument');
  });

  it('cannot reach another user\'s file through ../ in the URL path, raw or encoded', async () => {
    const attempts = [
      `/v1/files/../files/${bobsFileId}`,
      `/v1/users/me/../../files/${bobsFileId}/content`,
      `/v1/files/..%2f${bobsFileId}`,
      `/v1/files/%2e%2e%2f${bobsFileId}/content`,
      `/v1/files/${bobsFileId}%00/content`,
    ];
    for (const path of attempts) {
      // Paths that are no operation of the contract: not checked against it.
      const answer = await api.call('GET', path, { token: alice.token, outsideContract: true });
      expect([400, 404], `${path} → ${answer.status}`).toContain(answer.status);
      expect(String(answer.headers['content-type'])).toMatch(/^application\/problem\+json/);
      expect(answer.bytes.toString('utf8')).not.toContain('bob only');
    }
    // The direct way is refused too, and looks like a missing file (no existence oracle).
    expectProblem(await api.call('GET', `/v1/files/${bobsFileId}/content`, { token: alice.token }), 404, 'not_found');
    const bobsOwn = await api.call('GET', `/v1/files/${bobsFileId}/content`, { token: bob.token });
    expect(bobsOwn.bytes.toString('utf8')).toBe('bob only');
  });

  it('stores NFC and NFD spellings of a name as one file (normalised to NFC)', async () => {
    const nfd = 'Cafe\u0301.txt';
    const nfc = 'Caf\u00e9.txt';
    const first = await api.upload(alice.token, nfd, 'one');
    expect(first.status).toBe(201);
    expect(first.json?.['name']).toBe(nfc);
    const second = await api.upload(alice.token, nfc, 'two');
    expect(second.status).toBe(200);
    expect(second.json).toMatchObject({ id: first.json?.['id'], name: nfc, version: 2 });
  });

  it('stores a name with a leading BOM (U+FEFF) without it: gRPC string decoding drops a leading BOM', async () => {
    const stored = await api.upload(alice.token, '\uFEFFbom.txt', 'bom');
    expect(stored.status).toBe(201);
    expect(stored.json?.['name']).toBe('bom.txt');
  });

  it('stores a name with inner zero-width characters as sent (visible in listings, distinct from the plain name)', async () => {
    const zeroWidth = 'pay\u200Broll.txt';
    const stored = await api.upload(alice.token, zeroWidth, 'zw');
    expect(stored.status).toBe(201);
    expect(stored.json?.['name']).toBe(zeroWidth);
    const plain = await api.upload(alice.token, 'payroll.txt', 'plain');
    expect(plain.status).toBe(201);
    expect(plain.json?.['id']).not.toBe(stored.json?.['id']);
  });

  it('keeps working for a normal upload and download afterwards, and bob\'s file is untouched', async () => {
    const ok = await api.upload(alice.token, 'normal.txt', 'fine', '/docs');
    expect(ok.status).toBe(201);
    const download = await api.call('GET', `/v1/files/${String(ok.json?.['id'])}/content`, { token: alice.token });
    expect(download.bytes.toString('utf8')).toBe('fine');
    const bobs = await api.call('GET', '/v1/files?folder=%2Fprivate', { token: bob.token });
    expect((bobs.json?.['files'] as { name: string }[]).map((file) => file.name)).toEqual(['secret.txt']);
  });
});

describe('2. huge headers', () => {
  let api: AbuseClient;
  let user: { token: string };

  beforeAll(async () => {
    api = client();
    user = await api.signIn(email('headers'));
  }, 60_000);

  it('refuses one 64 KiB header with 431 headers_too_large (problem+json) and closes the connection', async () => {
    const { answer } = await rawExchange(base, `GET /v1/users/me HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${user.token}\r\nx-big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(answer).toContain('content-type: application/problem+json');
    expect(rawProblem(answer)).toMatchObject({ status: 431, code: 'headers_too_large', type: 'https://coffer.dev/problems/headers-too-large' });
  });

  it('refuses 1000 small headers (under the byte limit) with 431 headers_too_large', async () => {
    const headers = Object.fromEntries(Array.from({ length: 1_000 }, (_, n) => [`x-h${n}`, '1']));
    expectProblem(await api.call('GET', '/v1/users/me', { token: user.token, headers }), 431, 'headers_too_large');
  });

  it('stays up: a normal request is served afterwards', async () => {
    const me = await api.call('GET', '/v1/users/me', { token: user.token });
    expect(me.status).toBe(200);
  });
});

describe('3. slow clients (slowloris)', () => {
  let api: AbuseClient;
  let user: { token: string; userId: string };

  beforeAll(async () => {
    api = client();
    user = await api.signIn(email('slow'));
  }, 60_000);

  it('times out an upload whose body trickles in (408 request_timeout or closed), serves others meanwhile, leaves nothing behind', async () => {
    const before = await stack.objects();
    const declared = 1_000_000;
    const head =
      `POST /v1/files?name=trickle.bin HTTP/1.1\r\nhost: x\r\nx-forwarded-for: ${api.clientAddress}\r\nauthorization: Bearer ${user.token}\r\n` +
      `content-type: application/octet-stream\r\ncontent-length: ${declared}\r\n\r\n`;
    const slow = rawExchange(base, head, { bytes: 'abcd', everyMs: 500 });
    // Meanwhile the gateway serves other requests.
    let servedMeanwhile = 0;
    let finished = false;
    void slow.then(() => (finished = true));
    while (!finished) {
      const me = await api.call('GET', '/v1/users/me', { token: user.token });
      if (me.status === 200) servedMeanwhile += 1;
      await new Promise((resolveSleep) => setTimeout(resolveSleep, 500));
    }
    const { answer, bytesSent } = await slow;
    expect(bytesSent).toBeLessThan(declared);
    if (answer !== undefined) {
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(rawProblem(answer)).toMatchObject({ status: 408, code: 'request_timeout' });
    }
    measured['slowUpload'] = { bytesSent, answered: answer?.split('\r\n')[0] ?? 'closed without an answer', servedMeanwhile };
    expect(servedMeanwhile).toBeGreaterThan(0);
    // No object, no open multipart upload and no file record stay behind.
    expect(await eventually(async () => JSON.stringify(await stack.objects()) === JSON.stringify(before), 20_000)).toBe(true);
    const listed = await api.call('GET', '/v1/files', { token: user.token });
    expect((listed.json?.['files'] as unknown[]).length).toBe(0);
  }, 60_000);

  it('times out a request whose headers never finish with 408 request_timeout', async () => {
    const { answer } = await rawExchange(base, 'GET /v1/users/me HTTP/1.1\r\nhost: x\r\nx-slow: ', { bytes: 'a', everyMs: 300 });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(rawProblem(answer)).toMatchObject({ status: 408, code: 'request_timeout', type: 'https://coffer.dev/problems/request-timeout' });
  }, 30_000);

  it('still uploads normally afterwards', async () => {
    const ok = await api.upload(user.token, 'after.txt', 'fast enough');
    expect(ok.status).toBe(201);
  });
});

describe('4. 10,000 logins for one user', () => {
  const ATTEMPTS = 10_000;
  let address: string;
  let account: string;
  const outcomes = { ok: 0, rateLimited: 0, other: 0 };
  const issued: { accessToken: string; refreshToken: string }[] = [];
  const otherAnswers: string[] = [];

  beforeAll(async () => {
    account = email('sessions');
    await client().signUp(account);
    address = freshAddress();
  }, 60_000);

  it(`lets at most the per-address credentials limit (${CREDENTIALS_PER_ADDRESS}) through and answers the rest 429 rate_limited`, async () => {
    const api = client(address);
    const retryAfter = new Set<string>();
    await inBatches(ATTEMPTS, 10, async () => {
      const answer = await api.login(account);
      if (answer.status === 200) {
        outcomes.ok += 1;
        issued.push({ accessToken: String(answer.json?.['accessToken']), refreshToken: String(answer.json?.['refreshToken']) });
      } else if (answer.status === 429 && answer.json?.['code'] === 'rate_limited') {
        outcomes.rateLimited += 1;
        retryAfter.add(String(answer.headers['retry-after']));
      } else {
        outcomes.other += 1;
        otherAnswers.push(`${answer.status} ${String(answer.json?.['code'])}`);
      }
    });
    measured['logins'] = { attempts: ATTEMPTS, ...outcomes, otherAnswers };
    expect(outcomes.rateLimited).toBe(ATTEMPTS - CREDENTIALS_PER_ADDRESS);
    // Admitted by the limiter, each login either opened a session or (overloaded, 2 shared
    // cores) timed out upstream with a 503/504 problem — never anything else.
    expect(outcomes.ok + outcomes.other).toBe(CREDENTIALS_PER_ADDRESS);
    expect(otherAnswers.filter((line) => !/^50[34] (unavailable|deadline_exceeded)$/.test(line))).toEqual([]);
    expect(outcomes.ok).toBeGreaterThan(MAX_SESSIONS_PER_USER);
    expect([...retryAfter].every((value) => Number(value) > 0)).toBe(true);
  }, 240_000);

  it(`keeps at most ${MAX_SESSIONS_PER_USER} live sessions: the oldest are evicted and their tokens refused with 401`, async () => {
    const api = client();
    const newest = issued.at(-1);
    expect(newest).toBeDefined();
    const listed = await api.call('GET', '/v1/auth/sessions', { token: newest?.accessToken ?? '' });
    expect(listed.status).toBe(200);
    const live = new Set((listed.json?.['sessions'] as { id: string }[]).map((session) => session.id));
    expect(live.size).toBe(MAX_SESSIONS_PER_USER);
    let refusedAccess = 0;
    let refusedRefresh = 0;
    let working = 0;
    for (const tokens of issued) {
      const me = await api.call('GET', '/v1/users/me', { token: tokens.accessToken });
      if (live.has(sessionIdOf(tokens.accessToken))) {
        expect(me.status).toBe(200);
        working += 1;
      } else {
        expectProblem(me, 401, 'unauthenticated');
        refusedAccess += 1;
        const refresh = await api.call('POST', '/v1/auth/refresh', { json: { refreshToken: tokens.refreshToken } });
        expectProblem(refresh, 401, 'unauthenticated');
        refusedRefresh += 1;
      }
    }
    measured['sessions'] = { live: live.size, working, refusedAccess, refusedRefresh };
    // A login that timed out upstream may still have opened one of the live sessions.
    expect(working).toBeGreaterThanOrEqual(MAX_SESSIONS_PER_USER - outcomes.other);
    expect(working).toBeLessThanOrEqual(MAX_SESSIONS_PER_USER);
    expect(refusedAccess).toBe(issued.length - working);
    expect(refusedRefresh).toBe(refusedAccess);
    expect(refusedAccess).toBeGreaterThan(0);
  }, 120_000);

  it('still lets the user log in from elsewhere (the limit is per address, the cap evicts instead of refusing)', async () => {
    const login = await client().login(account);
    expect(login.status).toBe(200);
  });
});

describe('5. token reuse after a password change', () => {
  const NEW_PASSWORD = 'violet-harbor-engine-93';

  it('refuses the old access and refresh tokens of every other session with 401; the old password is refused, the new one works', async () => {
    const api = client();
    const account = email('password');
    await api.signUp(account);
    const sessions = await inBatches(3, 1, async () => {
      const login = await api.login(account);
      expect(login.status).toBe(200);
      return { accessToken: String(login.json?.['accessToken']), refreshToken: String(login.json?.['refreshToken']) };
    });
    const [changer, stolenA, stolenB] = sessions;
    if (!changer || !stolenA || !stolenB) throw new Error('three logins expected');
    // Refreshed once before the change: both the rotated-out and the current refresh token must die.
    const rotated = await api.call('POST', '/v1/auth/refresh', { json: { refreshToken: stolenB.refreshToken } });
    expect(rotated.status).toBe(200);
    const stolenBNew = { accessToken: String(rotated.json?.['accessToken']), refreshToken: String(rotated.json?.['refreshToken']) };

    const change = await api.call('POST', '/v1/auth/password', { token: changer.accessToken, json: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD } });
    expect(change.status).toBe(204);

    for (const old of [stolenA, stolenB, stolenBNew]) {
      expectProblem(await api.call('GET', '/v1/users/me', { token: old.accessToken }), 401, 'unauthenticated');
      expectProblem(await api.call('POST', '/v1/auth/refresh', { json: { refreshToken: old.refreshToken } }), 401, 'unauthenticated');
    }
    expectProblem(await api.login(account), 401, 'unauthenticated');
    const fresh = await api.login(account, NEW_PASSWORD);
    expect(fresh.status).toBe(200);
    expect((await api.call('GET', '/v1/users/me', { token: String(fresh.json?.['accessToken']) })).status).toBe(200);
    // Documented choice (docs/services/auth.md): the session that changed the password goes on.
    expect((await api.call('GET', '/v1/users/me', { token: changer.accessToken })).status).toBe(200);
    const sessionsNow = await api.call('GET', '/v1/auth/sessions', { token: changer.accessToken });
    expect((sessionsNow.json?.['sessions'] as unknown[]).length).toBe(2);
  }, 60_000);
});

describe('6. mass share and link creation', () => {
  it(`caps live links per file at ${MAX_LINKS_PER_FILE} (409 limit_exceeded), then the per-user rate limit (429) stops the flood`, async () => {
    const api = client();
    const owner = await api.signIn(email('links'));
    const other = await api.signIn(email('links-other'));
    const uploaded = await api.upload(owner.token, 'shared.txt', 'shared content');
    const fileId = String(uploaded.json?.['id']);
    const counts = { created: 0, limitExceeded: 0, rateLimited: 0, other: 0 };
    const createLink = async () => {
      const answer = await api.call('POST', `/v1/files/${fileId}/links`, { token: owner.token, json: { expiresInSeconds: 3600 } });
      if (answer.status === 201) counts.created += 1;
      else if (answer.status === 409 && answer.json?.['code'] === 'limit_exceeded') counts.limitExceeded += 1;
      else if (answer.status === 429 && answer.json?.['code'] === 'rate_limited') counts.rateLimited += 1;
      else counts.other += 1;
      return answer;
    };
    // One at a time up to 1000: the cap is checked before each create (a soft cap under concurrency).
    let firstRefusal: Answer | undefined;
    let firstLink: Answer | undefined;
    for (let n = 0; n < 1_000; n += 1) {
      const answer = await createLink();
      if (answer.status === 201 && firstLink === undefined) firstLink = answer;
      if (answer.status === 409 && firstRefusal === undefined) firstRefusal = answer;
    }
    expect(counts).toEqual({ created: MAX_LINKS_PER_FILE, limitExceeded: 1_000 - MAX_LINKS_PER_FILE, rateLimited: 0, other: 0 });
    if (firstRefusal === undefined) throw new Error('no refusal seen');
    expectProblem(firstRefusal, 409, 'limit_exceeded');
    expect(firstRefusal.json?.['detail']).toBe(`A file has at most ${MAX_LINKS_PER_FILE} live share links; revoke one first.`);
    const links = await api.call('GET', `/v1/files/${fileId}/links`, { token: owner.token });
    expect((links.json?.['links'] as unknown[]).length).toBe(MAX_LINKS_PER_FILE);
    // A link made before the cap still works for anyone holding it.
    const download = await api.call('GET', String(firstLink?.json?.['path']));
    expect(download.bytes.toString('utf8')).toBe('shared content');

    // The flood goes on in parallel: the per-user rate limit ends it with 429.
    await inBatches(1_000, 20, createLink);
    measured['links'] = { ...counts };
    expect(counts.created).toBe(MAX_LINKS_PER_FILE);
    expect(counts.other).toBe(0);
    expect(counts.rateLimited).toBeGreaterThanOrEqual(2_000 - USER_REQUESTS_PER_WINDOW);
    // Limits are per user: another user is served as usual.
    expect((await api.call('GET', '/v1/users/me', { token: other.token })).status).toBe(200);
  }, 240_000);

  it(`caps shares per file at ${MAX_SHARES_PER_FILE} (409 limit_exceeded) and re-sharing to one grantee never multiplies grants`, async () => {
    const api = client();
    const owner = await api.signIn(email('shares'));
    const grantees = await inBatches(MAX_SHARES_PER_FILE + 2, 1, async (n) => api.signUp(email(`grantee${n}`)));
    const uploaded = await api.upload(owner.token, 'team.txt', 'team');
    const fileId = String(uploaded.json?.['id']);
    const share = (granteeId: string) => api.call('POST', `/v1/files/${fileId}/shares`, { token: owner.token, json: { granteeId, permission: 'read' } });
    const statuses: number[] = [];
    for (const grantee of grantees) statuses.push((await share(grantee)).status);
    expect(statuses).toEqual([...Array<number>(MAX_SHARES_PER_FILE).fill(201), 409, 409]);
    expectProblem(await share(grantees.at(-1) ?? ''), 409, 'limit_exceeded');
    // 200 more shares, to a grantee that already has one: all refused, never a grant past the cap.
    const repeats = await inBatches(200, 10, async () => (await share(grantees[0] ?? '')).status);
    measured['shares'] = { firstFive: statuses, repeats: repeats.length, repeatStatuses: [...new Set(repeats)] };
    expect(new Set(repeats)).toEqual(new Set([409]));
    const listed = await api.call('GET', `/v1/files/${fileId}/shares`, { token: owner.token });
    expect((listed.json?.['shares'] as { granteeId: string }[]).map((s) => s.granteeId).sort()).toEqual(grantees.slice(0, MAX_SHARES_PER_FILE).sort());
  }, 120_000);
});
