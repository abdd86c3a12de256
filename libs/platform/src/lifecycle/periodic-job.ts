import type { Logger } from 'pino';

export interface PeriodicJobOptions {
  /** Named in log lines. */
  name: string;
  /** Time between the end of one run and the start of the next, in ms. */
  intervalMs: number;
  run(): Promise<void>;
  logger: Logger;
  /** The log message of a failed run (default `background job failed`). */
  failureMessage?: string;
}

/**
 * Runs background work on a timer (purges, clean-ups). Runs never overlap: the next one is
 * scheduled when the previous one ends; the first starts at once. A failed run is logged and
 * tried again at the next interval. The timer does not keep the process alive.
 */
export class PeriodicJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly options: PeriodicJobOptions) {
    if (!Number.isSafeInteger(options.intervalMs) || options.intervalMs < 1) {
      throw new RangeError(`intervalMs must be a whole number >= 1 (got ${options.intervalMs})`);
    }
  }

  /** Starts the timer; calling it while started does nothing. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops the timer and waits for a run in progress to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.options
        .run()
        .then(
          () => undefined,
          (error: unknown) => this.options.logger.error({ err: error, job: this.options.name }, this.options.failureMessage ?? 'background job failed'),
        )
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule(this.options.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
