import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Forks one of this folder's entry points (`name` without extension): the compiled `.js` next
 * to this file when there is one (dist), else the `.ts` source under the same loader (tsx,
 * vitest), which the child inherits through execArgv. Resolves once it sent `{ kind: 'ready' }`.
 */
export async function forkReady<Ready extends { kind: 'ready' }>(name: string, args: readonly string[] = []): Promise<{ child: ChildProcess; ready: Ready }> {
  const js = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  const entry = existsSync(js) ? js : fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  const child = fork(entry, [...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<Ready>((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`${name} exited (${code ?? 'signal'}) before it was ready`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.on('message', function onMessage(message: { kind?: string }) {
      if (message.kind !== 'ready') return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message as Ready);
    });
  });
  return { child, ready };
}

/** Sends a command and waits for the first answer of `kind`. */
export function request<Answer extends { kind: string }>(child: ChildProcess, command: object, kind: Answer['kind']): Promise<Answer> {
  return new Promise<Answer>((resolve) => {
    child.on('message', function onMessage(message: { kind?: string }) {
      if (message.kind !== kind) return;
      child.off('message', onMessage);
      resolve(message as Answer);
    });
    child.send(command);
  });
}

/** Ends a child this module forked (closing its IPC channel lets it exit by itself). */
export async function endChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.disconnect();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
