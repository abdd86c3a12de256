import { PeriodicJob, type Logger } from '@coffer/platform';
import type { UserRepository } from './user-repository.js';

const DAY_MS = 24 * 60 * 60 * 1_000;

/** Options of {@link PurgeJob}. */
export interface PurgeJobOptions {
  readonly repository: Pick<UserRepository, 'purgeDeletedBefore'>;
  readonly logger: Logger;
  /** How long a soft-deleted account is kept, in days. */
  readonly graceDays: number;
  /** Time between two runs, in ms (the first run starts right after `start`). */
  readonly intervalMs: number;
  /** The clock that decides what "older than the grace period" means. Default: the system clock. */
  readonly now?: () => Date;
}

/**
 * Purges accounts soft-deleted longer than the grace period, on a timer. Runs never overlap:
 * the next one is scheduled when the previous one ends. Several instances may run it at once;
 * each statement deletes only rows still present, so they just share the work. A failed run
 * is logged and retried at the next interval.
 */
export class PurgeJob {
  private readonly now: () => Date;
  private readonly job: PeriodicJob;

  constructor(private readonly options: PurgeJobOptions) {
    this.now = options.now ?? (() => new Date());
    if (!Number.isFinite(options.graceDays) || options.graceDays < 0) throw new RangeError(`graceDays must be >= 0 (got ${options.graceDays})`);
    this.job = new PeriodicJob({
      name: 'purge-deleted-accounts',
      intervalMs: options.intervalMs,
      logger: options.logger,
      failureMessage: 'purging deleted accounts failed',
      run: async () => {
        await this.runOnce();
      },
    });
  }

  /** Starts the timer; the first run happens at once. Calling it while started does nothing. */
  start(): void {
    this.job.start();
  }

  /** Stops the timer and waits for a run in progress to end. */
  stop(): Promise<void> {
    return this.job.stop();
  }

  /** The instant before which deleted accounts are purged: now minus the grace period. */
  cutoff(): Date {
    return new Date(this.now().getTime() - this.options.graceDays * DAY_MS);
  }

  /** One run: purges, logs the count and returns it. Errors propagate (the timer logs them). */
  async runOnce(): Promise<number> {
    const cutoff = this.cutoff();
    const purged = await this.options.repository.purgeDeletedBefore(cutoff);
    this.options.logger.info({ purged, deleted_before: cutoff.toISOString() }, 'purged deleted accounts');
    return purged;
  }
}
