import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { CofferClient } from '@coffer/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCommandLine, type GlobalOptions } from './cli-args.js';
import { CliError } from './cli-error.js';
import { createCommandContext, normalizeServerUrl, type ClientFactory } from './command-context.js';
import { ProfileStore } from './config/profile-store.js';

const GLOBAL: GlobalOptions = { json: false, debug: false, profile: undefined, server: undefined, insecureHttp: false, help: false, version: false };

describe('createCommandContext', () => {
  let root: string;
  let store: ProfileStore;
  let made: Parameters<ClientFactory>[0][];
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'coffer-cli-context-'));
    store = new ProfileStore(root);
    made = [];
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const context = (global: Partial<GlobalOptions>, env: Record<string, string> = {}) =>
    createCommandContext({
      global: { ...GLOBAL, ...global },
      io: { stdout: { write: () => true }, stderr: { write: () => true }, stdin: Readable.from([]), env },
      store,
      createClient: (options) => {
        made.push(options);
        return {} as CofferClient;
      },
      version: '0.0.0',
      signal: new AbortController().signal,
      now: Date.now,
    });

  it('picks the profile: --profile, then COFFER_PROFILE, then the current one, then "default"', () => {
    store.put('work', { server: 'https://work.example.com' });
    store.put('home', { server: 'https://home.example.com' });
    expect(context({}).profileName).toBe('default');
    store.setCurrent('home');
    expect(context({}).profileName).toBe('home');
    expect(context({}, { COFFER_PROFILE: 'work' }).profileName).toBe('work');
    expect(context({ profile: 'default' }, { COFFER_PROFILE: 'work' }).profileName).toBe('default');
    expect(() => context({ profile: '../x' })).toThrow(CliError);
  });

  it('picks the server: --server, then COFFER_SERVER, then the profile, then localhost', () => {
    store.put('work', { server: 'https://work.example.com' });
    expect(context({}).server).toBe('http://localhost:8080');
    expect(context({ profile: 'work' }).server).toBe('https://work.example.com');
    expect(context({ profile: 'work' }, { COFFER_SERVER: 'https://env.example.com/' }).server).toBe('https://env.example.com');
    expect(context({ profile: 'work', server: 'https://flag.example.com' }, { COFFER_SERVER: 'https://env.example.com' }).server).toBe('https://flag.example.com');
  });

  it('needs tokens for a signed-in client and persists what the SDK hands back', async () => {
    expect(() => context({}).signedInClient()).toThrow(expect.objectContaining({ exitCode: 3 }) as unknown as Error);
    store.put('default', { server: 'https://coffer.example.com', email: 'ada@example.com', tokens: { accessToken: 'a1', refreshToken: 'r1' } });
    context({}).signedInClient();
    expect(made[0]).toMatchObject({ baseUrl: 'https://coffer.example.com', tokens: { accessToken: 'a1', refreshToken: 'r1' } });
    await made[0]?.onTokens?.({ accessToken: 'a2', refreshToken: 'r2', tokenType: 'Bearer', expiresIn: 900, refreshTokenExpiresAt: '2026-12-01T00:00:00Z' });
    expect(store.get('default')).toMatchObject({ email: 'ada@example.com', tokens: { accessToken: 'a2', refreshToken: 'r2' } });
    await made[0]?.onTokens?.(undefined);
    expect(store.get('default')).toMatchObject({ email: 'ada@example.com', tokens: undefined });
  });

  it('accepts https:// to any host, and http:// to loopback (localhost, 127.0.0.0/8, ::1)', () => {
    for (const server of ['https://coffer.example.com', 'https://203.0.113.7:8443', 'http://localhost:8080', 'http://127.0.0.1:8080', 'http://127.8.9.10', 'http://[::1]:8080', 'http://2130706433']) {
      made = [];
      context({ server }).anonymousClient();
      expect(made).toHaveLength(1);
    }
    store.put('default', { server: 'http://127.0.0.1:8080', tokens: { accessToken: 'a1', refreshToken: 'r1' } });
    context({}).signedInClient();
    expect(made.at(-1)).toMatchObject({ baseUrl: 'http://127.0.0.1:8080', tokens: { accessToken: 'a1' } });
  });

  it('refuses http:// to a remote host before any client is built, so no password or token is sent (CLI-3)', () => {
    store.put('default', { server: 'http://coffer.example.com', tokens: { accessToken: 'a1', refreshToken: 'r1' } });
    for (const server of ['http://coffer.example.com', 'http://203.0.113.7:8080', 'http://10.0.0.1', 'http://[2001:db8::1]', 'http://localhost.example.com', 'http://128.0.0.1']) {
      expect(() => context({ server }).anonymousClient()).toThrow(expect.objectContaining({ exitCode: 2, code: 'insecure_http' }) as unknown as Error);
      expect(() => context({}, { COFFER_SERVER: server }).anonymousClient()).toThrow(/plain http.*--insecure-http/);
    }
    expect(() => context({}).signedInClient()).toThrow(expect.objectContaining({ code: 'insecure_http' }) as unknown as Error);
    expect(() => context({}, { COFFER_ALLOW_INSECURE_HTTP: 'yes' }).signedInClient()).toThrow(expect.objectContaining({ code: 'insecure_http' }) as unknown as Error);
    expect(made).toEqual([]);
  });

  it('allows http:// to a remote host with --insecure-http or COFFER_ALLOW_INSECURE_HTTP=1', () => {
    expect(parseCommandLine(['--insecure-http', 'ls'], {}, 1).global.insecureHttp).toBe(true);
    expect(parseCommandLine(['ls'], {}, 1).global.insecureHttp).toBe(false);
    store.put('default', { server: 'http://coffer.example.com', tokens: { accessToken: 'a1', refreshToken: 'r1' } });
    context({ insecureHttp: true }).signedInClient();
    context({}, { COFFER_ALLOW_INSECURE_HTTP: '1' }).anonymousClient();
    expect(made.map((options) => options.baseUrl)).toEqual(['http://coffer.example.com', 'http://coffer.example.com']);
  });
});

describe('normalizeServerUrl', () => {
  it('keeps http(s) URLs without a trailing slash, path prefixes included', () => {
    expect(normalizeServerUrl('https://coffer.example.com/')).toBe('https://coffer.example.com');
    expect(normalizeServerUrl('https://example.com/coffer/')).toBe('https://example.com/coffer');
    expect(() => normalizeServerUrl('coffer.example.com')).toThrow(CliError);
    expect(() => normalizeServerUrl('ftp://x')).toThrow(CliError);
  });
});
