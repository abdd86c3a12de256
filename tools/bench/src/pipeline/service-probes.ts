import { readFile } from 'node:fs/promises';
import { cpuSecondsOfProcStat } from './arrival-stats.js';

/** The Prometheus text a service's ops port serves at /metrics. */
export async function scrapeMetrics(opsPort: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${opsPort}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`GET /metrics on port ${opsPort} answered ${response.status}`);
  return response.text();
}

/** CPU seconds (user + system) a process has used so far; NaN where /proc is not there. */
export async function processCpuSeconds(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN;
  try {
    return cpuSecondsOfProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return Number.NaN;
  }
}

/** Measures the CPU a process used over a stretch of wall time, as a share of one core. */
export async function cpuShareDuring<T>(pid: number | undefined, work: () => Promise<T>): Promise<{ result: T; coreShare: number; seconds: number }> {
  const cpuBefore = await processCpuSeconds(pid);
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1_000;
  const cpu = (await processCpuSeconds(pid)) - cpuBefore;
  return { result, coreShare: cpu / seconds, seconds };
}
