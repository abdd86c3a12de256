import type { CofferClient } from '@coffer/sdk';
import type { GlobalOptions } from './cli-args.js';
import { CliError, notSignedInError, usageError } from './cli-error.js';
import { isValidProfileName, type Profile, type ProfileStore } from './config/profile-store.js';
import { EXIT_CODES } from './exit-codes.js';
import type { TerminalIo } from './terminal/terminal-io.js';

/** The server a profile talks to when none is configured: the local development platform (`make dev`). */
export const DEFAULT_SERVER = 'http://localhost:8080';
export const DEFAULT_PROFILE = 'default';

/** What the CLI needs to build an SDK client; main passes `new CofferClient(...)`, tests may pass a fake. */
export type ClientFactory = (options: ConstructorParameters<typeof CofferClient>[0]) => CofferClient;

/** Everything a command may use; built once per run by {@link createCommandContext}. */
export interface CommandContext {
  readonly global: GlobalOptions;
  readonly io: TerminalIo;
  readonly store: ProfileStore;
  /** The profile this run uses (--profile, COFFER_PROFILE, the current profile, or "default"). */
  readonly profileName: string;
  /** The stored profile, if it exists. */
  readonly profile: Profile | undefined;
  /** The server URL this run talks to (--server, COFFER_SERVER, the profile's, or the default), without a trailing slash. */
  readonly server: string;
  readonly version: string;
  /** Aborted on Ctrl-C: long commands (put, get, audit --follow) stop cleanly. */
  readonly signal: AbortSignal;
  now(): number;
  /** A client that sends the profile's tokens and saves refreshed ones; exit 3 when there are none. */
  signedInClient(): CofferClient;
  /** A client that saves the tokens it gets (login) into this profile. */
  anonymousClient(): CofferClient;
}

export interface CommandContextDependencies {
  readonly global: GlobalOptions;
  readonly io: TerminalIo;
  readonly store: ProfileStore;
  readonly createClient: ClientFactory;
  readonly version: string;
  readonly signal: AbortSignal;
  readonly now: () => number;
}

/** Resolves the profile and server once, and wires the SDK's token persistence to the profile store. */
export function createCommandContext(deps: CommandContextDependencies): CommandContext {
  const { global, io, store } = deps;
  const config = store.load();
  const profileName = global.profile ?? (io.env['COFFER_PROFILE'] || undefined) ?? config.currentProfile ?? DEFAULT_PROFILE;
  if (!isValidProfileName(profileName)) throw usageError(`invalid profile name "${profileName}" (letters, digits, '.', '_', '-')`);
  const profile = Object.hasOwn(config.profiles, profileName) ? config.profiles[profileName] : undefined;
  const server = normalizeServerUrl(global.server ?? (io.env['COFFER_SERVER'] || undefined) ?? profile?.server ?? DEFAULT_SERVER);

  const persistTokens = (tokens: { accessToken: string; refreshToken: string; refreshTokenExpiresAt?: string } | undefined) => {
    const current = store.get(profileName);
    store.put(profileName, {
      ...(current ?? {}),
      server,
      tokens:
        tokens === undefined
          ? undefined
          : { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, refreshTokenExpiresAt: tokens.refreshTokenExpiresAt },
    });
  };
  const userAgent = `coffer-cli/${deps.version} node/${process.versions.node}`;
  const allowInsecureHttp = global.insecureHttp || io.env['COFFER_ALLOW_INSECURE_HTTP'] === '1';
  // Checked when a client is built: every request of a client may carry a password or a token.
  const checkTransport = () => assertSafeTransport(server, allowInsecureHttp);

  return {
    global,
    io,
    store,
    profileName,
    profile,
    server,
    version: deps.version,
    signal: deps.signal,
    now: deps.now,
    signedInClient: () => {
      checkTransport();
      // Tokens belong to the server that issued them: --server elsewhere means signed out there.
      const tokens = profile?.tokens;
      if (tokens === undefined || profile === undefined || normalizeServerUrl(profile.server) !== server) throw notSignedInError(profileName);
      return deps.createClient({ baseUrl: server, tokens: { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken }, onTokens: persistTokens, userAgent });
    },
    anonymousClient: () => {
      checkTransport();
      return deps.createClient({ baseUrl: server, onTokens: persistTokens, userAgent });
    },
  };
}

/** Checks a server URL and drops a trailing slash: `https://coffer.example.com/` → `https://coffer.example.com`. */
export function normalizeServerUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`invalid server URL "${text}" (expected http:// or https://)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`invalid server URL "${text}" (expected http:// or https://)`);
  if (url.search !== '' || url.hash !== '') throw usageError(`the server URL must not have a query or fragment: "${text}"`);
  return url.toString().replace(/\/+$/, '');
}

/**
 * Refuses plain `http://` to a host that is not loopback (threat CLI-3): passwords, access and
 * refresh tokens would cross the network in clear. Loopback is `localhost`, `127.0.0.0/8` and
 * `::1` (as the URL parser normalises them, so `http://2130706433` is 127.0.0.1 too). `allowInsecure`
 * is the explicit opt-in: `--insecure-http` or `COFFER_ALLOW_INSECURE_HTTP=1`.
 */
export function assertSafeTransport(server: string, allowInsecure: boolean): void {
  const url = new URL(server);
  if (url.protocol !== 'http:' || allowInsecure || isLoopbackHost(url.hostname)) return;
  throw new CliError(
    `refusing to talk to ${url.origin} over plain http: passwords and tokens would cross the network in clear. ` +
      'Use https://, or pass --insecure-http (or set COFFER_ALLOW_INSECURE_HTTP=1) to accept that risk',
    EXIT_CODES.usage,
    'insecure_http',
  );
}

/** `localhost`, an IPv4 address in 127.0.0.0/8 or `[::1]`, as `URL.hostname` spells them. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}
