import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificates } from '@coffer/pki';
import { ALL_SERVICES } from '@coffer/platform';
import { launchPlatform, type RunningPlatform } from '../src/launch-platform.js';
import { WebhookReceiver } from './webhook-receiver.js';

/**
 * The `coffer` CLI end to end: the built apps/cli/dist/main.js runs as a subprocess, as a user
 * would run it, against the whole platform on the embedded defaults, with its own config folder.
 * Asserts exit codes (see apps/cli/src/exit-codes.ts) and the --json documents on stdout.
 */
const PASSWORD = 'tangerine-orbit-quarry-57';
const EXIT = { ok: 0, usage: 2, notSignedIn: 3, notFound: 4 } as const;

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('the coffer CLI against a running platform', () => {
  const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const cliPath = join(rootDir, 'apps', 'cli', 'dist', 'main.js');
  const workDir = mkdtempSync(join(tmpdir(), 'coffer-e2e-cli-'));
  const configDir = join(workDir, 'config');
  const localDir = join(workDir, 'local');
  const receiver = new WebhookReceiver();
  let platform: RunningPlatform;
  const serviceLines: string[] = [];

  const spawnCoffer = (args: readonly string[]) => {
    const env: NodeJS.ProcessEnv = { ...process.env, COFFER_CONFIG_DIR: configDir, COFFER_SERVER: platform.gatewayUrl };
    delete env['COFFER_PROFILE'];
    return spawn(process.execPath, [cliPath, ...args], { cwd: workDir, env, stdio: ['pipe', 'pipe', 'pipe'] });
  };

  /** Runs `coffer …`; `stdin` is written and closed (the password for --password-stdin). */
  const coffer = (args: readonly string[], options: { stdin?: string } = {}): Promise<CliRun> =>
    new Promise((resolveRun, reject) => {
      const child = spawnCoffer(args);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.on('error', reject);
      child.on('close', (code) => resolveRun({ code, stdout, stderr }));
      child.stdin.end(options.stdin ?? '');
    });

  /** Runs a command that must succeed with --json, and returns its document. */
  const cofferJson = async <T = Record<string, unknown>>(args: readonly string[], options: { stdin?: string } = {}): Promise<T> => {
    const run = await coffer([...args, '--json'], options);
    expect(run.code, `coffer ${args.join(' ')}: ${run.stderr}`).toBe(EXIT.ok);
    return JSON.parse(run.stdout) as T;
  };

  beforeAll(async () => {
    statSync(cliPath); // built by `nx run-many -t build`
    await ensureDevCertificates(join(workDir, 'certs'), ALL_SERVICES);
    platform = launchPlatform({
      rootDir,
      certDir: join(workDir, 'certs'),
      dataDir: join(workDir, 'data'),
      // Not 2_000: that puts the gateway on 10080, a port fetch refuses to connect to ("bad port").
      portOffset: 2_500,
      env: {
        COFFER_LOG_LEVEL: 'warn',
        // Every request comes from 127.0.0.1: raise the per-address and per-user limits.
        COFFER_RATE_LIMIT_CREDENTIALS: '10000',
        COFFER_RATE_LIMIT_ANONYMOUS: '10000',
        COFFER_RATE_LIMIT_BAD_TOKENS: '10000',
        COFFER_RATE_LIMIT_USER: '100000',
        COFFER_SIGNUPS_PER_ADDRESS: '1000',
        COFFER_LOGIN_ATTEMPTS_PER_ADDRESS: '1000',
        // The webhook receiver runs on this machine.
        COFFER_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
        COFFER_WEBHOOK_ALLOW_HTTP: 'true',
      },
      // Kept (not printed) so a platform that does not come up explains itself.
      onLine: (service, _stream, line) => {
        serviceLines.push(`${service}: ${line}`);
        if (serviceLines.length > 200) serviceLines.shift();
      },
    });
    try {
      await platform.waitUntilHealthy(300_000);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${serviceLines.slice(-40).join('\n')}`);
    }
    await receiver.start();
  }, 360_000);

  afterAll(async () => {
    await receiver.stop();
    await platform.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('prints help and its version, and refuses an unknown command with exit code 2', async () => {
    const help = await coffer(['--help']);
    expect(help.code).toBe(EXIT.ok);
    expect(help.stdout).toContain('Exit codes:');
    expect((await coffer(['--version'])).stdout).toMatch(/^coffer \d+\.\d+\.\d+\n$/);
    const unknown = await coffer(['frobnicate']);
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect((await coffer(['ls', '--no-such-option'])).code).toBe(EXIT.usage);
  });

  it('signs up, signs in with the password on stdin, keeps the profile private, and refuses a wrong password with exit code 3', async () => {
    expect((await coffer(['whoami'])).code).toBe(EXIT.notSignedIn);
    await cofferJson(['signup', 'cli-owner@example.com', '--password-stdin'], { stdin: `${PASSWORD}\n` });
    const login = await cofferJson<{ profile: string; user: { email: string } }>(['login', 'cli-owner@example.com', '--password-stdin'], { stdin: `${PASSWORD}\n` });
    expect(login).toMatchObject({ profile: 'default', user: { email: 'cli-owner@example.com' } });
    expect(statSync(join(configDir, 'config.json')).mode & 0o777).toBe(0o600);
    expect(statSync(configDir).mode & 0o777).toBe(0o700);
    expect(await cofferJson(['whoami'])).toMatchObject({ profile: 'default', server: platform.gatewayUrl, user: { email: 'cli-owner@example.com' } });

    const wrong = await coffer(['--profile', 'wrong', 'login', 'cli-owner@example.com', '--password-stdin', '--json'], { stdin: 'not-the-password-at-all' });
    expect(wrong.code).toBe(EXIT.notSignedIn);
    expect(wrong.stdout).toBe('');
    const error = JSON.parse(wrong.stderr) as { error: { code: string; exitCode: number } };
    expect(error.error.exitCode).toBe(EXIT.notSignedIn);
    expect(wrong.stderr).not.toMatch(/\n\s+at /);
  });

  const album = () => join(localDir, 'album');
  const albumFiles: Record<string, Buffer> = { 'a.bin': randomBytes(150_000), 'b.txt': Buffer.from('hello from the CLI\n'), 'nested/c.bin': randomBytes(30_000) };

  it('puts a directory, then skips every file already stored with the same SHA-256', async () => {
    for (const [path, content] of Object.entries(albumFiles)) {
      mkdirSync(dirname(join(album(), path)), { recursive: true });
      writeFileSync(join(album(), path), content);
    }
    type PutReport = { uploaded: { path: string; newVersion: boolean; file: { id: string; sha256: string } }[]; skipped: { path: string }[]; failed: unknown[] };
    const first = await cofferJson<PutReport>(['put', album(), '--folder', '/e2e', '--parallel', '2']);
    expect(first.failed).toEqual([]);
    expect(first.skipped).toEqual([]);
    expect(first.uploaded.map((entry) => entry.path).sort()).toEqual(['/e2e/album/a.bin', '/e2e/album/b.txt', '/e2e/album/nested/c.bin']);
    expect(first.uploaded.find((entry) => entry.path === '/e2e/album/a.bin')?.file.sha256).toBe(sha256(albumFiles['a.bin'] ?? ''));

    const again = await cofferJson<PutReport>(['put', album(), '--folder', '/e2e']);
    expect(again.uploaded).toEqual([]);
    expect(again.skipped.map((entry) => entry.path).sort()).toEqual(['/e2e/album/a.bin', '/e2e/album/b.txt', '/e2e/album/nested/c.bin']);

    albumFiles['b.txt'] = Buffer.from('changed by the CLI test\n');
    writeFileSync(join(album(), 'b.txt'), albumFiles['b.txt']);
    const changed = await cofferJson<PutReport>(['put', album(), '--folder', '/e2e']);
    expect(changed.uploaded.map((entry) => [entry.path, entry.newVersion])).toEqual([['/e2e/album/b.txt', true]]);
    expect(changed.skipped).toHaveLength(2);
    const human = await coffer(['put', album(), '--folder', '/e2e']);
    expect(human.code).toBe(EXIT.ok);
    expect(human.stdout).toContain('0 uploaded, 3 skipped, 0 failed');
    expect(human.stderr).toBe(''); // no progress bar when stderr is not a terminal
  });

  it('lists, downloads with a matching digest, moves, trashes and restores', async () => {
    const listed = await cofferJson<{ files: { id: string; name: string; folder: string; version: number }[] }>(['ls', '/e2e/album']);
    expect(listed.files.map((file) => file.name).sort()).toEqual(['a.bin', 'b.txt']);
    expect(listed.files.find((file) => file.name === 'b.txt')?.version).toBe(2);
    const everything = await coffer(['ls']);
    expect(everything.stdout.split('\n').filter(Boolean).sort()).toEqual(['/e2e/album/a.bin', '/e2e/album/b.txt', '/e2e/album/nested/c.bin']);
    expect((await coffer(['ls', '--long'])).stdout).toContain('SHA-256');

    const downloads = join(workDir, 'downloads');
    mkdirSync(downloads);
    const got = await cofferJson<{ path: string; sha256: string; verified: boolean }>(['get', '/e2e/album/a.bin', `${downloads}/`]);
    expect(got).toMatchObject({ path: join(downloads, 'a.bin'), sha256: sha256(albumFiles['a.bin'] ?? ''), verified: true });
    expect(sha256(readFileSync(join(downloads, 'a.bin')))).toBe(sha256(albumFiles['a.bin'] ?? ''));
    expect((await coffer(['get', '/e2e/album/a.bin', `${downloads}/`])).code).toBe(6);
    expect((await coffer(['get', '/e2e/album/missing.bin', downloads])).code).toBe(EXIT.notFound);

    const moved = await cofferJson<{ file: { id: string; folder: string; name: string } }>(['mv', '/e2e/album/a.bin', '/e2e/moved/renamed.bin']);
    expect(moved.file).toMatchObject({ folder: '/e2e/moved', name: 'renamed.bin' });
    const byId = await cofferJson<{ sha256: string }>(['get', moved.file.id, join(downloads, 'by-id.bin')]);
    expect(byId.sha256).toBe(sha256(albumFiles['a.bin'] ?? ''));

    expect((await coffer(['rm', '/e2e/moved/renamed.bin'])).code).toBe(EXIT.ok);
    expect((await coffer(['get', moved.file.id, join(downloads, 'gone.bin')])).code).toBe(EXIT.notFound);
    const trash = await cofferJson<{ files: { id: string }[] }>(['ls', '--trashed']);
    expect(trash.files.map((file) => file.id)).toEqual([moved.file.id]);
    const restored = await cofferJson<{ file: { id: string } }>(['restore', '/e2e/moved/renamed.bin']);
    expect(restored.file.id).toBe(moved.file.id);
    expect((await coffer(['get', moved.file.id, join(downloads, 'back.bin')])).code).toBe(EXIT.ok);
  });

  it('shares a file with a second user (second profile), who can get it until it is unshared', async () => {
    await cofferJson(['signup', 'cli-grantee@example.com', '--password-stdin'], { stdin: PASSWORD });
    await cofferJson(['--profile', 'grantee', 'login', 'cli-grantee@example.com', '--password-stdin'], { stdin: PASSWORD });
    const grantee = await cofferJson<{ user: { id: string } }>(['--profile', 'grantee', 'whoami']);
    const profiles = await cofferJson<{ profiles: { name: string; current: boolean }[] }>(['profiles', 'ls']);
    expect(profiles.profiles.map((profile) => [profile.name, profile.current])).toEqual([
      ['default', true],
      ['grantee', false],
    ]);

    const shared = await cofferJson<{ share: { id: string; granteeId: string; permission: string }; file: { id: string } }>(['share', '/e2e/moved/renamed.bin', grantee.user.id]);
    expect(shared.share).toMatchObject({ granteeId: grantee.user.id, permission: 'read' });
    const theirs = await cofferJson<{ files: { id: string }[] }>(['--profile', 'grantee', 'ls', '--shared']);
    expect(theirs.files.map((file) => file.id)).toEqual([shared.file.id]);
    const downloads = join(workDir, 'grantee-downloads');
    mkdirSync(downloads);
    const got = await cofferJson<{ sha256: string }>(['--profile', 'grantee', 'get', shared.file.id, downloads]);
    expect(got.sha256).toBe(sha256(albumFiles['a.bin'] ?? ''));
    // A share to an email needs a user lookup, which only administrators may do.
    expect((await coffer(['share', '/e2e/moved/renamed.bin', 'cli-grantee@example.com'])).code).toBe(EXIT.usage);

    const unshared = await cofferJson<{ revoked: string[] }>(['unshare', '/e2e/moved/renamed.bin', grantee.user.id]);
    expect(unshared.revoked).toEqual([shared.share.id]);
    // Without any access the file does not exist for them: not found.
    const refused = await coffer(['--profile', 'grantee', 'get', shared.file.id, join(downloads, 'again.bin'), '--json']);
    expect(refused.code).toBe(EXIT.notFound);
    expect(JSON.parse(refused.stderr)).toMatchObject({ error: { code: 'not_found', status: 404, exitCode: EXIT.notFound } });
    expect((await coffer(['unshare', '/e2e/moved/renamed.bin', grantee.user.id])).code).toBe(EXIT.notFound);
  });

  it('creates a share link whose URL downloads the file without signing in', async () => {
    const link = await cofferJson<{ url: string }>(['link', '/e2e/album/b.txt', '--expires', '1h']);
    expect(link.url.startsWith(`${platform.gatewayUrl}/v1/links/`)).toBe(true);
    const human = await coffer(['link', '/e2e/album/b.txt']);
    expect(human.stdout.trim()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/links\/\S+$/);
    const response = await fetch(link.url);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).toString('utf8')).toBe(albumFiles['b.txt']?.toString('utf8'));
  });

  it('shows the audit trail as JSON', async () => {
    type AuditPage = { events: { type: string; outcome: string; subject?: string }[] };
    let uploads: AuditPage['events'] = [];
    // The trail is fed through the event bus: give it a moment.
    for (let attempt = 0; attempt < 60 && uploads.length < 3; attempt += 1) {
      uploads = (await cofferJson<AuditPage>(['audit', '--action', 'file.uploaded', '--limit', '100'])).events;
      if (uploads.length < 3) await sleep(500);
    }
    expect(uploads.length).toBeGreaterThanOrEqual(3);
    expect(uploads.every((event) => event.type === 'file.uploaded' && event.outcome === 'success')).toBe(true);
    const recent = await cofferJson<AuditPage>(['audit', '--since', '1h', '--limit', '5']);
    expect(recent.events.length).toBeGreaterThan(0);
    expect(recent.events.length).toBeLessThanOrEqual(5);
    expect((await coffer(['audit', '--outcome', 'maybe'])).code).toBe(EXIT.usage);
  });

  it('follows the audit trail (--follow) until Ctrl-C, printing one JSON object per line', async () => {
    const follower = spawnCoffer(['audit', '--follow', '--json', '--interval', '1', '--limit', '1', '--action', 'file.uploaded']);
    let stdout = '';
    let stderr = '';
    follower.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    follower.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolveExit) => follower.on('close', (code) => resolveExit(code)));
    follower.stdin.end();
    // The first poll prints the latest upload; then a new one must show up.
    for (let attempt = 0; attempt < 120 && stdout === ''; attempt += 1) await sleep(250);
    const fresh = join(localDir, 'followed.txt');
    writeFileSync(fresh, `followed at ${new Date().toISOString()}`);
    const put = await cofferJson<{ uploaded: { file: { id: string } }[] }>(['put', fresh, '--folder', '/e2e/followed']);
    const freshId = put.uploaded[0]?.file.id ?? '';
    const aboutFresh = () => stdout.split('\n').filter((line) => line.includes(freshId)).map((line) => JSON.parse(line) as { type: string });
    for (let attempt = 0; attempt < 240 && aboutFresh().length === 0; attempt += 1) await sleep(250);
    follower.kill('SIGINT');
    expect(await exited, stderr).toBe(EXIT.ok);
    expect(aboutFresh()).toEqual([expect.objectContaining({ type: 'file.uploaded' })]);
  });

  it('adds, lists, tests and removes a webhook', async () => {
    const created = await cofferJson<{ webhook: { id: string; url: string; eventTypes: string[] }; secret: string }>(['webhooks', 'add', receiver.url, '--events', 'file.*', '--description', 'cli e2e']);
    expect(created.webhook).toMatchObject({ url: receiver.url, eventTypes: ['file.*'] });
    expect(created.secret).toMatch(/^whsec_/);
    receiver.secrets = [created.secret];
    const listed = await cofferJson<{ webhooks: { id: string }[] }>(['webhooks', 'ls']);
    expect(listed.webhooks.map((hook) => hook.id)).toEqual([created.webhook.id]);

    const ping = await cofferJson<{ deliveryId: string }>(['webhooks', 'test', created.webhook.id]);
    const received = await receiver.until((all) => all.some((hook) => hook.id === ping.deliveryId), 30_000);
    expect(received.find((hook) => hook.id === ping.deliveryId)).toMatchObject({ verified: true, event: { type: 'webhook.ping' } });
    const deliveries = await cofferJson<{ deliveries: { id: string }[] }>(['webhooks', 'deliveries', created.webhook.id]);
    expect(deliveries.deliveries.map((delivery) => delivery.id)).toContain(ping.deliveryId);

    expect((await coffer(['webhooks', 'rm', created.webhook.id])).code).toBe(EXIT.ok);
    expect((await cofferJson<{ webhooks: unknown[] }>(['webhooks', 'ls'])).webhooks).toEqual([]);
    expect((await coffer(['webhooks', 'rm', created.webhook.id])).code).toBe(EXIT.notFound);
  });

  it('lists sessions and revokes another one, whose profile is then signed out', async () => {
    await cofferJson(['--profile', 'laptop', 'login', 'cli-owner@example.com', '--password-stdin'], { stdin: PASSWORD });
    const laptopSessions = await cofferJson<{ sessions: { id: string; current: boolean }[] }>(['--profile', 'laptop', 'sessions', 'ls']);
    const laptop = laptopSessions.sessions.find((session) => session.current);
    expect(laptop).toBeDefined();
    const mine = await cofferJson<{ sessions: { id: string; current: boolean }[] }>(['sessions', 'ls']);
    expect(mine.sessions.length).toBeGreaterThanOrEqual(2);
    expect(mine.sessions.find((session) => session.current)?.id).not.toBe(laptop?.id);

    expect((await coffer(['sessions', 'revoke', laptop?.id ?? ''])).code).toBe(EXIT.ok);
    expect((await coffer(['--profile', 'laptop', 'whoami'])).code).toBe(EXIT.notSignedIn);
    expect((await coffer(['whoami'])).code).toBe(EXIT.ok);
  });

  it('logs out, after which whoami exits with the not-signed-in code', async () => {
    expect((await coffer(['logout'])).code).toBe(EXIT.ok);
    const whoami = await coffer(['whoami']);
    expect(whoami.code).toBe(EXIT.notSignedIn);
    expect(whoami.stderr).toContain('coffer login');
    const config = JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as { profiles: Record<string, { tokens?: unknown; email?: string }> };
    expect(config.profiles['default']).toMatchObject({ email: 'cli-owner@example.com' });
    expect(config.profiles['default']?.tokens).toBeUndefined();
  });
});
