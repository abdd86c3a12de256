import type { FaultSignal, FaultTarget } from './targets.js';

/** What happened to the target: when it was hit, when it was back. */
export interface Injection {
  readonly target: string;
  readonly signal: FaultSignal;
  readonly pid: number;
  readonly injectedAt: number;
  /** When the restore was asked for (SIGCONT sent, restart started). */
  readonly restoreAt: number;
  /** When the restore finished (the restarted engine serves; the service is spawned). */
  readonly restoredAt: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until a killed pid is gone (zombies of our own children are reaped by Node). */
async function gone(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) await sleep(50);
}

/**
 * Sends `signal` to the target, holds for `holdMs`, then restores it: SIGCONT after SIGSTOP, a
 * restart after SIGKILL. The restore runs whatever happens while holding (finally): a stopped
 * shared engine left behind would break everyone else's tests.
 */
export async function inject(target: FaultTarget, signal: FaultSignal, holdMs: number): Promise<Injection> {
  const pid = target.pid();
  const injectedAt = Date.now();
  process.kill(pid, signal);
  let restoreAt = 0;
  try {
    await sleep(holdMs);
  } finally {
    restoreAt = Date.now();
    if (signal === 'SIGSTOP') {
      process.kill(pid, 'SIGCONT');
    } else {
      await gone(pid, 30_000);
      await target.restart();
    }
  }
  return { target: target.name, signal, pid, injectedAt, restoreAt, restoredAt: Date.now() };
}
