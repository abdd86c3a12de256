import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeProfile, summarizeProfile, type CpuProfile } from './cpu-profile-summary.js';

/** The little of the `ws` client (a dependency of the toolchain already installed) this module uses. */
interface CdpSocket {
  on(event: 'open', listener: () => void): void;
  on(event: 'message', listener: (data: Buffer | string) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  send(data: string): void;
  close(): void;
}
type CdpSocketConstructor = new (url: string) => CdpSocket;

/** The inspector port SIGUSR1 opens (Node's default). */
const INSPECTOR_PORT = 9229;

/**
 * A CPU profile of another Node process, taken the way `--cpu-prof` would but for a chosen
 * stretch of time (services cannot be started with `--cpu-prof`: Node refuses it in
 * NODE_OPTIONS, and the platform launcher passes no flags). SIGUSR1 opens the process's
 * inspector on 127.0.0.1:9229; the profile is taken over the DevTools protocol and the
 * inspector is closed again. One process at a time (one port).
 */
export class RemoteCpuProfiler {
  readonly #socket: CdpSocket;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  private constructor(socket: CdpSocket) {
    this.#socket = socket;
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (message.id === undefined) return;
      const waiter = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(message.error.message));
      else waiter?.resolve(message.result);
    });
  }

  /** Opens the inspector of `pid` and starts sampling every `intervalUs` microseconds. */
  static async start(pid: number, intervalUs = 500): Promise<RemoteCpuProfiler> {
    process.kill(pid, 'SIGUSR1');
    let url: string | undefined;
    for (let attempt = 0; attempt < 40 && url === undefined; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      try {
        const targets = (await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json/list`)).json()) as { webSocketDebuggerUrl?: string }[];
        url = targets[0]?.webSocketDebuggerUrl;
      } catch {
        // not listening yet
      }
    }
    if (url === undefined) throw new Error(`the inspector of process ${pid} did not open on port ${INSPECTOR_PORT}`);
    const WebSocket = createRequire(import.meta.url)('ws') as CdpSocketConstructor;
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.on('open', resolve);
      socket.on('error', reject);
    });
    const profiler = new RemoteCpuProfiler(socket);
    const { result } = (await profiler.#send('Runtime.evaluate', { expression: 'process.pid', returnByValue: true })) as { result: { value: unknown } };
    if (result.value !== pid) {
      socket.close();
      throw new Error(`port ${INSPECTOR_PORT} belongs to process ${String(result.value)}, not ${pid}`);
    }
    await profiler.#send('Profiler.enable');
    await profiler.#send('Profiler.setSamplingInterval', { interval: intervalUs });
    await profiler.#send('Profiler.start');
    return profiler;
  }

  /** Stops sampling, closes the inspector of the process, and answers the profile. */
  async stop(): Promise<CpuProfile> {
    const { profile } = (await this.#send('Profiler.stop')) as { profile: CpuProfile };
    // process._debugEnd closes the inspector the signal opened (what inspector.close() calls).
    await this.#send('Runtime.evaluate', { expression: 'setImmediate(() => process._debugEnd())' }).catch(() => undefined);
    this.#socket.close();
    return profile;
  }

  #send(method: string, params: object = {}): Promise<unknown> {
    const id = this.#nextId;
    this.#nextId += 1;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }
}

/** Profiles `pid` while `work` runs; writes the `.cpuprofile` (DevTools opens it) and answers it with its path. */
export async function profileDuring<T>(pid: number | undefined, name: string, work: () => Promise<T>): Promise<{ result: T; profile?: CpuProfile; path?: string; error?: string }> {
  if (pid === undefined) return { result: await work(), error: 'no pid' };
  let profiler: RemoteCpuProfiler;
  try {
    profiler = await RemoteCpuProfiler.start(pid);
  } catch (error) {
    return { result: await work(), error: error instanceof Error ? error.message : String(error) };
  }
  let result: T;
  let profile: CpuProfile | undefined;
  try {
    result = await work();
  } finally {
    profile = await profiler.stop().catch(() => undefined);
  }
  if (profile === undefined) return { result, error: 'the profile could not be read' };
  const dir = join(tmpdir(), 'coffer-bench-profiles');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
  writeFileSync(path, JSON.stringify(profile));
  return { result, profile, path };
}

/** A report line from a profiled run: the summary, the hottest functions, and where the profile file is. */
export function profileNoteOf(service: string, profiled: Awaited<ReturnType<typeof profileDuring>>): string {
  if (profiled.profile === undefined) return `CPU profile of ${service}: not taken (${profiled.error ?? 'unknown reason'}).`;
  const summary = summarizeProfile(profiled.profile, 8);
  const hottest = summary.functions
    .filter((entry) => !entry.name.startsWith('('))
    .slice(0, 5)
    .map((entry) => `${entry.name} ${(entry.share * 100).toFixed(1)} %`)
    .join('; ');
  return `CPU profile of ${service} over one extra drain (not counted): ${describeProfile(summary)}. Hottest functions: ${hottest}. Profile: ${profiled.path ?? '?'}.`;
}
