import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificates } from '@coffer/pki';
import { ALL_SERVICES } from '@coffer/platform';
import { launchPlatform, type RunningPlatform } from '../src/launch-platform.js';
import { PASSWORD, PlatformClient } from './platform-client.js';

/**
 * The generated Python (sdk/python/coffer_client) and Go (sdk/go/client) clients against the
 * real platform on the embedded engines: a user is signed up and a file uploaded over plain
 * fetch, then each language's live program logs in and lists files with its generated client
 * and prints what it saw as JSON. The programs run as subprocesses with the project's own
 * toolchains (sdk/python/.venv, made by sdk/python/scripts/venv.sh; go), and fail when the
 * platform is absent rather than skip, which the last test checks.
 */
const run = promisify(execFile);
const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const pythonProject = join(rootDir, 'sdk', 'python');
const goModule = join(rootDir, 'sdk', 'go');
const EMAIL = 'generated-clients@example.com';

interface LiveReport {
  client: string;
  tokenType: string;
  files: { id: string; name: string; folder: string; size: number; sha256: string }[];
}

/** A loopback URL on which nothing listens: the port was free a moment ago and is closed again. */
async function absentPlatformUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const address = server.address();
  await new Promise<void>((closed) => server.close(() => closed()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

describe('generated clients (Python and Go) against the platform', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'coffer-e2e-generated-clients-'));
  const goProgram = join(workDir, 'livetest');
  let python = '';
  let platform: RunningPlatform;
  let api: PlatformClient;

  /** Runs one live program with the platform's URL and the user's credentials in its environment. */
  const runLive = async (language: 'python' | 'go', env: Record<string, string>): Promise<LiveReport> => {
    const [command, args, cwd] =
      language === 'python'
        ? [python, [join(pythonProject, 'tests_live', 'login_and_list.py')], pythonProject]
        : [goProgram, [], goModule];
    const { stdout } = await run(command, args, { cwd, env: { ...process.env, ...env }, timeout: 90_000 });
    return JSON.parse(stdout) as LiveReport;
  };

  beforeAll(async () => {
    // The toolchains first: the venv (pinned, installed from PyPI when absent) and the Go program.
    const venv = await run('bash', [join(pythonProject, 'scripts', 'venv.sh')], { timeout: 600_000 });
    python = venv.stdout.trim().split('\n').at(-1) ?? '';
    await run('go', ['build', '-o', goProgram, './livetest'], { cwd: goModule, timeout: 600_000 });

    await ensureDevCertificates(join(workDir, 'certs'), ALL_SERVICES);
    platform = launchPlatform({
      rootDir,
      certDir: join(workDir, 'certs'),
      dataDir: join(workDir, 'data'),
      portOffset: 3_000,
      env: {
        COFFER_LOG_LEVEL: 'warn',
        // Every request comes from 127.0.0.1: raise the per-address and per-user limits.
        COFFER_RATE_LIMIT_CREDENTIALS: '10000',
        COFFER_RATE_LIMIT_ANONYMOUS: '10000',
        COFFER_RATE_LIMIT_BAD_TOKENS: '10000',
        COFFER_RATE_LIMIT_USER: '100000',
        COFFER_SIGNUPS_PER_ADDRESS: '1000',
        COFFER_LOGIN_ATTEMPTS_PER_ADDRESS: '1000',
      },
      onLine: () => undefined,
    });
    // A ceiling, not a timing assertion: eight processes on a busy 2-core machine.
    await platform.waitUntilHealthy(300_000);
    api = new PlatformClient(platform.gatewayUrl);
  }, 900_000);

  afterAll(async () => {
    await platform.stop();
    expect(api.violations, 'responses that break openapi/coffer.yaml').toEqual([]);
    rmSync(workDir, { recursive: true, force: true });
  });

  it.each(['python', 'go'] as const)('the %s client logs in and lists the uploaded file', async (language) => {
    const { token } = await api.signIn(EMAIL);
    const content = randomBytes(4_096);
    const name = `from-fetch-for-${language}.bin`;
    const uploaded = await api.upload(token, name, content, { folder: '/clients' });
    expect(uploaded.status).toBe(201);
    const fileId = String(uploaded.json?.['id']);

    const report = await runLive(language, { COFFER_URL: platform.gatewayUrl, COFFER_EMAIL: EMAIL, COFFER_PASSWORD: PASSWORD });

    expect(report.client).toBe(language);
    expect(report.tokenType).toBe('Bearer');
    expect(report.files).toContainEqual({
      id: fileId,
      name,
      folder: '/clients',
      size: content.length,
      sha256: createHash('sha256').update(content).digest('hex'),
    });
  }, 120_000);

  it.each(['python', 'go'] as const)('the %s program fails, never skips, when no platform answers', async (language) => {
    const env = { COFFER_URL: await absentPlatformUrl(), COFFER_EMAIL: EMAIL, COFFER_PASSWORD: PASSWORD };
    await expect(runLive(language, env)).rejects.toMatchObject({ code: 1, stdout: '' });
  }, 120_000);

  it.each(['python', 'go'] as const)('the %s program fails on a wrong password with the 401', async (language) => {
    const env = { COFFER_URL: platform.gatewayUrl, COFFER_EMAIL: EMAIL, COFFER_PASSWORD: 'not-the-password-0' };
    const failure = await runLive(language, env).then(
      (report) => ({ code: 0, stderr: JSON.stringify(report) }),
      (error: unknown) => error as { code: number; stderr: string },
    );
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain('401');
  }, 120_000);
});
