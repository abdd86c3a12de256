import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificates } from '@coffer/pki';
import { ALL_SERVICES } from '@coffer/platform';
import { launchPlatform, type RunningPlatform } from '../src/launch-platform.js';
import { PASSWORD } from './platform-client.js';

/**
 * The published package as a user gets it: build, `npm pack`, install the tarball into a
 * throwaway project, then drive a live platform (embedded defaults) from an ES module and from a
 * CommonJS script run by plain `node`, and type-check both against the shipped declarations.
 * Anything missing from the tarball fails here.
 */
const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const sdkDir = join(rootDir, 'sdk', 'typescript');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The body of a consumer script: sign up, log in, upload, list, download with a digest check, verify a webhook. */
const consumerBody = (email: string) => `
const baseUrl = process.env.COFFER_URL;
const email = ${JSON.stringify(email)};
const password = ${JSON.stringify(PASSWORD)};
async function main() {
  const tokens = [];
  const coffer = new CofferClient({ baseUrl, onTokens: (pair) => { tokens.push(pair); } });
  await coffer.auth.signUp({ email, displayName: 'Package', password });
  await coffer.auth.login({ email, password });
  const content = new TextEncoder().encode('hello from the packed SDK '.repeat(1000));
  const uploaded = await coffer.files.upload(content, { name: 'packed.txt', folder: '/packed', contentType: 'text/plain' });
  const listed = [];
  for await (const file of coffer.files.list({ folder: '/packed' })) listed.push(file.id);
  const download = await coffer.files.download(uploaded.id);
  const chunks = [];
  for await (const chunk of download.body) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  const sha256 = createHash('sha256').update(bytes).digest('hex');

  const secret = 'whsec_' + randomBytes(32).toString('base64');
  const payload = JSON.stringify({ type: 'file.uploaded', data: { id: uploaded.id } });
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = { 'webhook-id': 'msg_packed', 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook({ secret, id: 'msg_packed', timestamp, payload }) };
  const event = new WebhookVerifier(secret).verify(payload, headers);
  let forged = 'accepted';
  try {
    new WebhookVerifier(secret).verify(payload + ' ', headers);
  } catch (error) {
    forged = error instanceof WebhookVerificationError ? error.code : 'other error';
  }
  let missing = 'none';
  try {
    await coffer.files.get('00000000-0000-4000-8000-000000000000');
  } catch (error) {
    missing = error instanceof CofferApiError ? error.code + ':' + error.status : 'other error';
  }
  process.stdout.write(JSON.stringify({
    uploadedSha256: uploaded.sha256,
    downloadedSha256: sha256,
    headerSha256: download.sha256,
    sameBytes: Buffer.compare(bytes, Buffer.from(content)) === 0,
    listed: listed.length === 1 && listed[0] === uploaded.id,
    tokensReported: tokens.length,
    webhookType: event.type,
    forged,
    missing,
  }));
}
main().catch((error) => { console.error(error); process.exit(1); });
`;

const ESM_CONSUMER = (email: string) =>
  `import { createHash, randomBytes } from 'node:crypto';
import { CofferApiError, CofferClient, signWebhook, WebhookVerificationError, WebhookVerifier } from '@coffer/sdk';
${consumerBody(email)}`;

const CJS_CONSUMER = (email: string) =>
  `'use strict';
const { createHash, randomBytes } = require('node:crypto');
const { CofferApiError, CofferClient, signWebhook, WebhookVerificationError, WebhookVerifier } = require('@coffer/sdk');
${consumerBody(email)}`;

/** Typed consumers: the declarations must work for `import` and for `require`. */
const TYPED_ESM = `import { CofferClient, CofferApiError, type File, type Download } from '@coffer/sdk';
const client = new CofferClient({ baseUrl: 'http://localhost:8080', retries: 1 });
export async function sizeOf(id: string): Promise<number> {
  const file: File = await client.files.get(id);
  const download: Download = await client.files.download(id);
  void download.body;
  return file.size;
}
export const isApiError = (error: unknown): boolean => error instanceof CofferApiError;
`;
const TYPED_CJS = `import sdk = require('@coffer/sdk');
const client = new sdk.CofferClient({ baseUrl: 'http://localhost:8080' });
export async function names(): Promise<string[]> {
  const names: string[] = [];
  for await (const file of client.files.list({ folder: '/' })) names.push(file.name);
  return names;
}
`;

describe('the @coffer/sdk tarball, installed into a fresh project', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'coffer-e2e-sdk-package-'));
  const projectDir = join(workDir, 'consumer');
  let tarball: string;
  let platform: RunningPlatform;
  const serviceErrors: string[] = [];

  beforeAll(async () => {
    // Packed from a copy of the package folder with a fresh build in it: `files` in package.json
    // decides what ships, as on publish, and the workspace's own dist is never rewritten while
    // another task may read it.
    const stageDir = join(workDir, 'stage');
    cpSync(sdkDir, stageDir, { recursive: true, filter: (source) => !/[\\/](dist|node_modules)$/.test(source) });
    execFileSync(process.execPath, [join(sdkDir, 'scripts', 'build.mjs'), '--out-dir', join(stageDir, 'dist')], { stdio: 'inherit' });
    const packed = JSON.parse(execFileSync(npm, ['pack', '--json', '--pack-destination', workDir], { cwd: stageDir, encoding: 'utf8' })) as { filename: string }[];
    tarball = join(workDir, packed[0]?.filename ?? 'missing.tgz');

    mkdirSync(projectDir);
    writeFileSync(join(projectDir, 'package.json'), JSON.stringify({ name: 'coffer-sdk-consumer', version: '1.0.0', private: true }, null, 2));
    // Zero dependencies: the install needs nothing from the registry.
    execFileSync(npm, ['install', tarball, '--no-audit', '--no-fund', '--offline', '--no-package-lock'], { cwd: projectDir, stdio: 'inherit' });

    await ensureDevCertificates(join(workDir, 'certs'), ALL_SERVICES);
    platform = launchPlatform({
      rootDir,
      certDir: join(workDir, 'certs'),
      dataDir: join(workDir, 'data'),
      portOffset: 1_500,
      env: { COFFER_LOG_LEVEL: 'warn', COFFER_SIGNUPS_PER_ADDRESS: '1000', COFFER_LOGIN_ATTEMPTS_PER_ADDRESS: '1000' },
      // Kept for the failure message: a platform that does not come up says why.
      onLine: (service, stream, line) => {
        if (stream === 'stderr') serviceErrors.push(`${service}: ${line}`);
      },
    });
    // A generous ceiling, not a timing assertion: PGlite opens slowly on a busy 2-core machine.
    await platform.waitUntilHealthy(240_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${serviceErrors.slice(-40).join('\n')}`);
    });
  }, 420_000);

  afterAll(async () => {
    await platform?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('ships the ESM and CJS builds, their declarations and the README, and nothing of the sources', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const expected of ['package/package.json', 'package/README.md', 'package/dist/esm/index.js', 'package/dist/types/index.d.ts', 'package/dist/cjs/index.js', 'package/dist/cjs/index.d.ts', 'package/dist/cjs/package.json']) {
      expect(listing).toContain(expected);
    }
    expect(listing.filter((entry) => entry.startsWith('package/src/') || entry.endsWith('.test.js'))).toEqual([]);
    // Zero runtime dependencies: the SDK is all that was installed.
    expect(readdirSync(join(projectDir, 'node_modules')).filter((entry) => !entry.startsWith('.'))).toEqual(['@coffer']);
  });

  const run = (file: string, source: string) => {
    writeFileSync(join(projectDir, file), source);
    const result = spawnSync(process.execPath, [file], { cwd: projectDir, encoding: 'utf8', env: { ...process.env, COFFER_URL: platform.gatewayUrl }, timeout: 120_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return JSON.parse(result.stdout) as Record<string, unknown>;
  };

  const expectWorked = (outcome: Record<string, unknown>) => {
    expect(outcome['uploadedSha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(outcome).toMatchObject({
      downloadedSha256: outcome['uploadedSha256'],
      headerSha256: outcome['uploadedSha256'],
      sameBytes: true,
      listed: true,
      tokensReported: 1,
      webhookType: 'file.uploaded',
      forged: 'no_matching_signature',
      missing: 'not_found:404',
    });
  };

  it('works from an ES module (import)', () => {
    expectWorked(run('consumer.mjs', ESM_CONSUMER('package-esm@example.com')));
  }, 120_000);

  it('works from a CommonJS script (require)', () => {
    expectWorked(run('consumer.cjs', CJS_CONSUMER('package-cjs@example.com')));
  }, 120_000);

  it('type-checks for import and for require against the shipped declarations', () => {
    writeFileSync(join(projectDir, 'typed.mts'), TYPED_ESM);
    writeFileSync(join(projectDir, 'typed.cts'), TYPED_CJS);
    const tsc = join(rootDir, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = spawnSync(
      process.execPath,
      [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--typeRoots', join(rootDir, 'node_modules', '@types'), '--types', 'node', 'typed.mts', 'typed.cts'],
      { cwd: projectDir, encoding: 'utf8' },
    );
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  }, 120_000);
});
