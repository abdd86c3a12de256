import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ALL_SERVICES, GRPC_SERVICES, peerAddressKey, type ServiceName } from '@coffer/platform';
import { platformPorts, type ServicePorts } from './platform-ports.js';

export interface LaunchOptions {
  /** Repository root (holds apps/<service>/dist/main.js). */
  rootDir: string;
  /** Folder with ca.crt and <service>.crt/.key for every service. */
  certDir: string;
  /** Added to every default port, so a test platform can run beside a dev platform. */
  portOffset?: number;
  /** Extra environment for every service. */
  env?: NodeJS.ProcessEnv;
  /**
   * Where services keep state on the embedded engines (PGlite folders, auth's signing keys).
   * Without it, everything is in memory and gone when the platform stops.
   */
  dataDir?: string;
  /** Receives each output line of each service; defaults to this process's stdout/stderr. */
  onLine?: (service: ServiceName, stream: 'stdout' | 'stderr', line: string) => void;
  /** Called when a service exits while the platform is supposed to run. */
  onUnexpectedExit?: (service: ServiceName, code: number | null, signal: NodeJS.Signals | null) => void;
}

export interface RunningPlatform {
  gatewayUrl: string;
  ports: Readonly<Record<ServiceName, ServicePorts>>;
  /** Polls GET /v1/health until it answers 200, or fails after `timeoutMs` with the last answer. */
  waitUntilHealthy(timeoutMs: number): Promise<unknown>;
  /** Sends SIGTERM to every service and resolves with each exit code once all have exited. */
  stop(): Promise<Record<ServiceName, number | null>>;
  /** The process of one service (tests stop one to see the platform degrade). */
  process(service: ServiceName): ChildProcess;
  /** The operating-system pid of one service's current process. */
  pid(service: ServiceName): number;
  /**
   * Starts a service again after it exited (fault injection kills one): same ports and
   * environment, a new process. Resolves once the new process is spawned; fails if the old
   * one is still running.
   */
  restart(service: ServiceName): Promise<void>;
}

/** Starts all eight services as separate Node processes wired to each other over mTLS. */
export function launchPlatform(options: LaunchOptions): RunningPlatform {
  const { services: ports, gatewayHttp: httpPort } = platformPorts(options.portOffset ?? 0);
  const peerEnv = Object.fromEntries(GRPC_SERVICES.map((peer) => [peerAddressKey(peer), `127.0.0.1:${ports[peer].grpc}`]));
  const onLine =
    options.onLine ?? ((_service, stream, line) => (stream === 'stdout' ? process.stdout : process.stderr).write(`${line}\n`));

  let stopping = false;
  const exits = new Map<ServiceName, Promise<number | null>>();
  // The last lines of each service, so a service that dies at start-up says why in the error.
  const recentLines = new Map<ServiceName, string[]>();
  const children = new Map<ServiceName, ChildProcess>();
  const start = (name: ServiceName): ChildProcess => {
    const child = spawn(process.execPath, [join(options.rootDir, 'apps', name, 'dist', 'main.js')], {
      cwd: options.rootDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        // Embedded defaults first, so a test or operator can point any of them elsewhere.
        ...embeddedStateEnv(name, options.dataDir),
        ...options.env,
        ...peerEnv,
        COFFER_TLS_DIR: options.certDir,
        COFFER_GRPC_PORT: String(ports[name].grpc),
        COFFER_OPS_PORT: String(ports[name].ops),
        ...(name === 'gateway' ? { COFFER_HTTP_PORT: String(httpPort) } : {}),
        // On the embedded bus the audit service hosts it; producers forward their events there
        // and to the webhook service, the other consumer (ADR 0018, ADR 0019).
        ...(name !== 'audit' && { ...process.env, ...options.env }['COFFER_EVENT_BUS_URL'] === undefined ? { COFFER_EVENT_BUS_URL: 'peer://audit,webhook' } : {}),
      },
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = child[stream];
      if (source) {
        createInterface({ input: source }).on('line', (line) => {
          const recent = recentLines.get(name) ?? [];
          recent.push(`${stream}: ${line.slice(0, 400)}`);
          if (recent.length > RECENT_LINES_KEPT) recent.shift();
          recentLines.set(name, recent);
          onLine(name, stream, line);
        });
      }
    }
    exits.set(
      name,
      new Promise((resolve) => {
        child.once('exit', (code, signal) => {
          if (!stopping) options.onUnexpectedExit?.(name, code, signal);
          resolve(code);
        });
      }),
    );
    children.set(name, child);
    return child;
  };
  for (const name of ALL_SERVICES) start(name);
  const childOf = (service: ServiceName): ChildProcess => {
    const child = children.get(service);
    if (!child) throw new Error(`no such service: ${service}`);
    return child;
  };

  const gatewayUrl = `http://127.0.0.1:${httpPort}`;
  return {
    gatewayUrl,
    ports,
    process: childOf,
    pid: (service) => {
      const pid = childOf(service).pid;
      if (pid === undefined) throw new Error(`${service} has no process (spawn failed)`);
      return pid;
    },
    restart: async (service) => {
      const old = childOf(service);
      if (stopping) throw new Error(`cannot restart ${service}: the platform is stopping`);
      if (old.exitCode === null && old.signalCode === null) throw new Error(`cannot restart ${service}: pid ${old.pid} is still running`);
      const child = start(service);
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', () => resolve());
        child.once('error', reject);
      });
    },
    waitUntilHealthy: async (timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      let last: unknown = 'no answer yet';
      // Each service's own /readyz first (not rate limited), then one platform health check
      // through the gateway: polling GET /v1/health would spend the anonymous rate limit.
      const notReady = async (): Promise<ServiceName[]> => {
        const answers = await Promise.all(
          ALL_SERVICES.map(async (name) => {
            try {
              const response = await fetch(`http://127.0.0.1:${ports[name].ops}/readyz`, { signal: AbortSignal.timeout(3_000) });
              return response.status === 200 ? undefined : name;
            } catch {
              return name;
            }
          }),
        );
        return answers.filter((name): name is ServiceName => name !== undefined);
      };
      while (Date.now() < deadline) {
        // A service that exited will never become ready: say which, at once, instead of waiting out the deadline.
        const exited = ALL_SERVICES.filter((name) => {
          const child = children.get(name);
          return child !== undefined && (child.exitCode !== null || child.signalCode !== null);
        });
        if (exited.length > 0) {
          // Let the exited process's last output arrive before quoting it.
          await new Promise((resolve) => setTimeout(resolve, 200));
          const lastWords = exited.map((name) => `--- last lines of ${name}:\n${(recentLines.get(name) ?? ['(none)']).join('\n')}`).join('\n');
          throw new Error(
            `platform not healthy: ${exited.map((name) => `${name} exited (${children.get(name)?.exitCode ?? children.get(name)?.signalCode})`).join(', ')} before it was ready\n${lastWords}`,
          );
        }
        const waiting = await notReady();
        if (waiting.length === 0) {
          try {
            const response = await fetch(`${gatewayUrl}/v1/health`, { signal: AbortSignal.timeout(3_000) });
            last = await response.json();
            if (response.status === 200) return last;
          } catch (error) {
            last = (error as Error).message;
          }
        } else {
          last = `not ready: ${waiting.join(', ')}`;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      throw new Error(`platform not healthy after ${timeoutMs} ms; last answer: ${JSON.stringify(last)}`);
    },
    stop: async () => {
      stopping = true;
      for (const child of children.values()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const codes = await Promise.all(ALL_SERVICES.map(async (name) => [name, await exits.get(name)] as const));
      return Object.fromEntries(codes) as Record<ServiceName, number | null>;
    },
  };
}

/** How many of its last output lines a service's start-up failure quotes. */
const RECENT_LINES_KEPT = 15;

/** Services that keep a relational database (their own schema; PGlite unless told otherwise). */
const DATABASE_SERVICES: ReadonlySet<ServiceName> = new Set<ServiceName>(['auth', 'user', 'file', 'metadata', 'policy', 'webhook']);

/**
 * The embedded-engine settings of a service: PGlite folders, key files and the file store
 * under `dataDir/<service>`. Without a dataDir, databases are in memory, keys are generated
 * per process and the file service keeps objects in a temporary folder.
 */
function embeddedStateEnv(name: ServiceName, dataDir: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const own = dataDir === undefined ? undefined : join(dataDir, name);
  if (own !== undefined) env['COFFER_DATA_DIR'] = own;
  if (DATABASE_SERVICES.has(name)) env['COFFER_DATABASE_URL'] = own ? `pglite://${join(own, 'pglite')}` : 'pglite://memory';
  if (own === undefined) return env;
  if (name === 'auth') env['COFFER_SIGNING_KEYS_FILE'] = join(own, 'signing-keys.json');
  if (name === 'file') {
    env['COFFER_CONTENT_KEYS_FILE'] = join(own, 'content-keys.json');
    env['COFFER_OBJECT_STORE_URL'] = `file://${join(own, 'objects')}`;
  }
  if (name === 'policy') env['COFFER_LINK_KEYS_FILE'] = join(own, 'link-keys.json');
  if (name === 'webhook') env['COFFER_WEBHOOK_KEYS_FILE'] = join(own, 'secret-keys.json');
  return env;
}
