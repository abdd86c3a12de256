import type { Logger } from 'pino';

export interface ShutdownStep {
  name: string;
  run(): Promise<void>;
}

/**
 * Runs shutdown steps once, in the order given (stop accepting → drain → close connections →
 * flush telemetry), each bounded by a timeout so one stuck dependency cannot hang the process.
 */
export class GracefulShutdown {
  private running: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly steps: ShutdownStep[],
    private readonly stepTimeoutMs: number,
  ) {}

  run(reason: string): Promise<void> {
    this.running ??= this.runSteps(reason);
    return this.running;
  }

  /** Shuts down on SIGTERM/SIGINT and then exits. */
  installSignalHandlers(exit: (code: number) => void = (code) => process.exit(code)): void {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        void this.run(signal).then(() => exit(0));
      });
    }
  }

  private async runSteps(reason: string): Promise<void> {
    this.logger.info({ reason }, 'shutting down');
    for (const step of this.steps) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          step.run(),
          new Promise<void>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${this.stepTimeoutMs} ms`)), this.stepTimeoutMs);
          }),
        ]);
      } catch (error) {
        this.logger.warn({ step: step.name, err: error }, 'shutdown step failed');
      } finally {
        clearTimeout(timer);
      }
    }
    this.logger.info('shutdown complete');
    this.logger.flush();
  }
}
