import { readFileSync, writeFileSync } from 'node:fs';

const MIB = 1024 ** 2;

/** Current and peak resident memory of a process, in MiB (Linux /proc). */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rssMiB: kib('VmRSS') / MIB, peakMiB: kib('VmHWM') / MIB };
}

/**
 * Resets a process's peak resident memory (VmHWM) to its current RSS, so the next reading is
 * the peak of what happens from now on (`echo 5 > /proc/<pid>/clear_refs`, Linux ≥ 4.0).
 * Returns false where the kernel refuses; the caller then reads a peak since process start.
 */
export function resetPeakMemory(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
