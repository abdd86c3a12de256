import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CofferApiError, type CofferClient, type File as RemoteFile } from '@coffer/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClientFactory } from './command-context.js';
import { runCli } from './run-cli.js';

const USER = { id: '7a1c4e2b-1111-4222-8333-944455556666', email: 'ada@example.com', displayName: 'ada', admin: false, createdAt: '2026-11-26T00:00:00Z', updatedAt: '2026-11-26T00:00:00Z' };
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A stand-in for the SDK client: just the calls these tests make. */
function fakeClient(remoteFiles: RemoteFile[], uploads: { name: string; folder: string }[], options: Parameters<ClientFactory>[0]): CofferClient {
  const signedIn = options.tokens !== undefined;
  const requireTokens = () => {
    if (!signedIn) throw new CofferApiError({ status: 401, problem: { code: 'unauthenticated', title: 'Unauthorized' } });
  };
  const fake = {
    auth: {
      login: async ({ password }: { password: string }) => {
        if (password !== 'correct horse battery') throw new CofferApiError({ status: 401, problem: { code: 'invalid_credentials', title: 'Invalid email or password' } });
        const pair = { accessToken: 'access', refreshToken: 'refresh', tokenType: 'Bearer' as const, expiresIn: 900, refreshTokenExpiresAt: '2026-12-26T00:00:00Z' };
        await options.onTokens?.(pair);
        return pair;
      },
      logout: async () => {
        await options.onTokens?.(undefined);
      },
    },
    users: { me: () => Promise.resolve(USER) },
    files: {
      list: async function* (query: { folder?: string }) {
        requireTokens();
        await Promise.resolve();
        yield* remoteFiles.filter((file) => query.folder === undefined || file.folder === query.folder);
      },
      upload: (path: string, uploadOptions: { name: string; folder: string; onProgress?: (progress: { transferred: number; total?: number }) => void }) => {
        requireTokens();
        uploads.push({ name: uploadOptions.name, folder: uploadOptions.folder });
        const content = readFileSync(path, 'utf8');
        uploadOptions.onProgress?.({ transferred: content.length, total: content.length });
        return Promise.resolve({ ...remoteFile(uploadOptions.folder, uploadOptions.name, content), id: `new-${uploads.length}` });
      },
    },
  };
  return fake as unknown as CofferClient;
}

function remoteFile(folder: string, name: string, content: string): RemoteFile {
  return {
    id: `${folder}/${name}`,
    ownerId: USER.id,
    name,
    folder,
    size: content.length,
    contentType: 'text/plain',
    sniffedContentType: 'text/plain',
    sha256: sha256(content),
    version: 1,
    versionCount: 1,
    createdAt: '2026-11-26T00:00:00Z',
    updatedAt: '2026-11-26T00:00:00Z',
  };
}

describe('runCli', () => {
  let root: string;
  let remoteFiles: RemoteFile[];
  let uploads: { name: string; folder: string }[];

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'coffer-cli-run-'));
    remoteFiles = [];
    uploads = [];
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  async function run(argv: string[], stdinText = '', stderrIsTty = false) {
    let stdout = '';
    let stderr = '';
    const stdin = Object.assign(Readable.from([Buffer.from(stdinText)]), { isTTY: false });
    const code = await runCli(argv, {
      io: {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: (text: string) => (stderr += text), isTTY: stderrIsTty, columns: 100 },
        stdin,
        env: { COFFER_CONFIG_DIR: join(root, 'config') },
      },
      homeDir: root,
      createClient: (options) => fakeClient(remoteFiles, uploads, options),
      version: '9.9.9',
      signal: new AbortController().signal,
      now: () => Date.parse('2026-11-26T12:00:00Z'),
    });
    return { code, stdout, stderr };
  }

  it('prints the version and help', async () => {
    expect(await run(['--version'])).toMatchObject({ code: 0, stdout: 'coffer 9.9.9\n' });
    expect(JSON.parse((await run(['--version', '--json'])).stdout)).toEqual({ version: '9.9.9' });
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes:');
    expect(help.stdout).toContain('webhooks add');
    expect((await run(['put', '--help'])).stdout).toContain('Usage: coffer put <path...>');
    expect((await run(['help', 'exit-codes'])).stdout).toContain('rate limited');
    expect((await run(['webhooks', '--help'])).code).toBe(0);
  });

  it('answers usage errors with exit code 2 and one line on stderr', async () => {
    const unknown = await run(['frobnicate']);
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toBe('coffer: unknown command "frobnicate" (see `coffer --help`)\n');
    expect((await run(['ls', '--bogus'])).code).toBe(2);
    expect((await run(['webhooks', 'explode'])).code).toBe(2);
    expect((await run(['webhooks'])).code).toBe(2);
    expect((await run([])).code).toBe(2);
    expect((await run(['get'])).code).toBe(2);
  });

  it('reports errors as one JSON object on stderr with --json', async () => {
    const { code, stderr } = await run(['whoami', '--json']);
    expect(code).toBe(3);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(stderr)).toEqual({ error: { code: 'not_signed_in', message: expect.stringContaining('coffer login') as unknown, exitCode: 3 } });
  });

  it('signs in with the password from stdin, saves the profile, and signs out', async () => {
    expect((await run(['login', 'ada@example.com', '--password-stdin'], 'wrong password\n')).code).toBe(3);
    const login = await run(['login', 'ada@example.com', '--password-stdin', '--server', 'https://coffer.test:8080/', '--json'], 'correct horse battery\n');
    expect(login.code).toBe(0);
    expect(JSON.parse(login.stdout)).toMatchObject({ profile: 'default', server: 'https://coffer.test:8080', user: { email: 'ada@example.com' } });
    const config = JSON.parse(readFileSync(join(root, 'config', 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ currentProfile: 'default', profiles: { default: { server: 'https://coffer.test:8080', email: 'ada@example.com', userId: USER.id, tokens: { accessToken: 'access', refreshToken: 'refresh' } } } });

    expect((await run(['whoami'])).stdout).toContain('ada@example.com');
    // Tokens belong to the server that issued them.
    expect((await run(['whoami', '--server', 'https://elsewhere.test'])).code).toBe(3);
    const profiles = await run(['profiles', 'ls', '--json']);
    expect(profiles.stdout).not.toContain('access');

    expect((await run(['logout'])).code).toBe(0);
    expect((await run(['whoami'])).code).toBe(3);
    expect((await run(['logout'])).code).toBe(0);
  });

  it('refuses to send a password to a remote http:// server (exit 2, nothing saved) unless --insecure-http is given', async () => {
    const refused = await run(['login', 'ada@example.com', '--password-stdin', '--server', 'http://coffer.test:8080'], 'correct horse battery\n');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refusing to talk to http://coffer.test:8080 over plain http');
    expect(refused.stderr).toContain('--insecure-http');
    expect(existsSync(join(root, 'config', 'config.json'))).toBe(false);

    const allowed = await run(['login', 'ada@example.com', '--password-stdin', '--server', 'http://coffer.test:8080', '--insecure-http'], 'correct horse battery\n');
    expect(allowed.code).toBe(0);
    expect((await run(['whoami', '--insecure-http'])).stdout).toContain('ada@example.com');
    expect((await run(['whoami'])).code).toBe(2);
  });

  it('put skips files whose SHA-256 is already stored under the same folder and name', async () => {
    await run(['login', 'ada@example.com', '--password-stdin'], 'correct horse battery');
    const dir = join(root, 'photos');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'same.txt'), 'unchanged');
    writeFileSync(join(dir, 'changed.txt'), 'new bytes');
    writeFileSync(join(dir, 'sub', 'fresh.txt'), 'fresh');
    remoteFiles.push(remoteFile('/backup/photos', 'same.txt', 'unchanged'), remoteFile('/backup/photos', 'changed.txt', 'old bytes'));

    const { code, stdout } = await run(['put', dir, '--folder', '/backup', '--parallel', '2', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { uploaded: { path: string; newVersion: boolean }[]; skipped: { path: string; fileId: string }[]; failed: unknown[] };
    expect(report.skipped).toEqual([expect.objectContaining({ path: '/backup/photos/same.txt', fileId: '/backup/photos/same.txt' })]);
    expect(report.uploaded.map((entry) => [entry.path, entry.newVersion])).toEqual([
      ['/backup/photos/changed.txt', true],
      ['/backup/photos/sub/fresh.txt', false],
    ]);
    expect(report.failed).toEqual([]);
    expect([...uploads].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'changed.txt', folder: '/backup/photos' },
      { name: 'fresh.txt', folder: '/backup/photos/sub' },
    ]);
  });

  it('draws a progress bar on stderr only when it is a terminal, and leaves the line clean', async () => {
    await run(['login', 'ada@example.com', '--password-stdin'], 'correct horse battery');
    writeFileSync(join(root, 'one.txt'), 'x'.repeat(5000));
    const { code, stdout, stderr } = await run(['put', join(root, 'one.txt')], '', true);
    expect(code).toBe(0);
    expect(stdout).toContain('1 uploaded, 0 skipped, 0 failed');
    expect(stderr).toMatch(/put \d\/1/);
    expect(stderr.endsWith('\r\x1b[2K')).toBe(true);
  });
});
