import { readFileSync } from 'node:fs';

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (Linux, 100 ticks/s). */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds of several processes, by name. */
export function cpuSnapshot(pids: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSecondsOf(pid)]));
}

/**
 * "gateway 1.20 ms, file 0.80 ms, …": CPU per request of each process between two snapshots,
 * largest first, with the total — where the time goes when a chain of processes serves a request.
 */
export function describeCpuPerRequest(before: Readonly<Record<string, number>>, after: Readonly<Record<string, number>>, requests: number): string {
  if (requests <= 0) return 'no requests completed';
  const perRequest = Object.keys(after)
    .map((name) => [name, ((after[name] ?? 0) - (before[name] ?? 0)) * 1000 / requests] as const)
    .filter(([, ms]) => ms > 0)
    .sort((a, b) => b[1] - a[1]);
  const total = perRequest.reduce((sum, [, ms]) => sum + ms, 0);
  return `CPU per request ${total.toFixed(2)} ms in all (${perRequest.map(([name, ms]) => `${name} ${ms.toFixed(2)}`).join(', ')}), from /proc/<pid>/stat over the Coffer runs`;
}
