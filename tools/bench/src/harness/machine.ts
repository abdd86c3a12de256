import { cpus, loadavg, release, totalmem, type } from 'node:os';
import type { RunDescription } from '../report/render-report.js';

/** The machine the run happened on, for the report's header. */
export function describeMachine(loadAverage: readonly number[] = loadavg()): RunDescription['machine'] {
  const processors = cpus();
  return {
    cpu: processors[0]?.model.trim() ?? 'unknown',
    cores: processors.length,
    memoryGiB: totalmem() / 1024 ** 3,
    kernel: `${type()} ${release()}`,
    node: process.version,
    loadAverage: loadAverage.map((value) => value.toFixed(2)).join(', '),
  };
}
