import { formatBytes, formatDuration } from './format.js';

/** A snapshot of a transfer: bytes so far, expected bytes (when known), when it started. */
export interface TransferSample {
  readonly transferred: number;
  readonly total: number | undefined;
  readonly elapsedMs: number;
}

/** What the bar shows: the fraction done, the mean rate and the time left. */
export interface TransferStats {
  /** 0..1, or undefined when the total is unknown. */
  readonly fraction: number | undefined;
  /** Bytes per second since the start; undefined until some time has passed. */
  readonly bytesPerSecond: number | undefined;
  /** Seconds left at the mean rate; undefined without a total or a rate. */
  readonly etaSeconds: number | undefined;
}

/** The arithmetic of the progress bar, separate from drawing so it can be tested. */
export function transferStats(sample: TransferSample): TransferStats {
  const total = sample.total !== undefined && sample.total > 0 ? sample.total : undefined;
  const fraction = total === undefined ? (sample.total === 0 ? 1 : undefined) : Math.min(1, sample.transferred / total);
  const seconds = sample.elapsedMs / 1000;
  const bytesPerSecond = seconds >= 0.2 ? sample.transferred / seconds : undefined;
  let etaSeconds: number | undefined;
  if (total !== undefined && sample.transferred >= total) etaSeconds = 0;
  else if (total !== undefined && bytesPerSecond !== undefined && bytesPerSecond > 0) etaSeconds = (total - sample.transferred) / bytesPerSecond;
  return { fraction, bytesPerSecond, etaSeconds };
}

/** One line: `label [#######.......]  45%  12.0 MiB/26.7 MiB  3.2 MiB/s  ETA 5s`. */
export function renderProgressLine(label: string, sample: TransferSample, width: number): string {
  const stats = transferStats(sample);
  const amounts = sample.total === undefined ? formatBytes(sample.transferred) : `${formatBytes(sample.transferred)}/${formatBytes(sample.total)}`;
  const rate = stats.bytesPerSecond === undefined ? '' : `  ${formatBytes(stats.bytesPerSecond)}/s`;
  const eta = stats.fraction === undefined ? '' : `  ETA ${formatDuration(stats.etaSeconds)}`;
  const percent = stats.fraction === undefined ? '' : `  ${String(Math.floor(stats.fraction * 100)).padStart(3)}%`;
  const tail = `${percent}  ${amounts}${rate}${eta}`;
  const barWidth = Math.max(0, Math.min(30, width - label.length - tail.length - 4));
  let bar = '';
  if (barWidth >= 5 && stats.fraction !== undefined) {
    const filled = Math.round(stats.fraction * barWidth);
    bar = ` [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]`;
  }
  const line = `${label}${bar}${tail}`;
  return line.length > width ? line.slice(0, Math.max(0, width - 1)) : line;
}

/** Where the bar draws: a TTY stream (stderr). */
export interface ProgressTarget {
  write(text: string): unknown;
  readonly columns?: number | undefined;
}

/**
 * Redraws one line in place on a TTY, at most every `intervalMs`. Callers only create one when
 * stderr is a terminal; elsewhere progress is silent so logs and pipes stay clean.
 */
export class ProgressBar {
  readonly #target: ProgressTarget;
  readonly #now: () => number;
  readonly #startedAt: number;
  readonly #intervalMs: number;
  #lastDrawAt = Number.NEGATIVE_INFINITY;
  #drawn = false;
  label: string;
  total: number | undefined;

  constructor(options: { target: ProgressTarget; label: string; total: number | undefined; now?: () => number; intervalMs?: number }) {
    this.#target = options.target;
    this.#now = options.now ?? Date.now;
    this.#startedAt = this.#now();
    this.#intervalMs = options.intervalMs ?? 100;
    this.label = options.label;
    this.total = options.total;
  }

  /** Shows `transferred` bytes (throttled unless `force`). */
  update(transferred: number, force = false): void {
    const now = this.#now();
    if (!force && now - this.#lastDrawAt < this.#intervalMs) return;
    this.#lastDrawAt = now;
    const width = this.#target.columns ?? 80;
    this.#target.write(`\r\x1b[2K${renderProgressLine(this.label, { transferred, total: this.total, elapsedMs: now - this.#startedAt }, width)}`);
    this.#drawn = true;
  }

  /** Prints a line above the bar (a skipped or failed file) without garbling it. */
  log(line: string): void {
    this.#target.write(`${this.#drawn ? '\r\x1b[2K' : ''}${line}\n`);
    this.#lastDrawAt = Number.NEGATIVE_INFINITY;
  }

  /** Removes the bar, leaving the line empty for what follows. */
  finish(): void {
    if (this.#drawn) this.#target.write('\r\x1b[2K');
    this.#drawn = false;
  }
}
