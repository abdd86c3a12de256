/** A readiness check: resolves when the dependency is usable, rejects (or times out) otherwise. */
export type ReadinessCheck = () => Promise<void>;

export interface ReadinessReport {
  ready: boolean;
  failing: string[];
}

/**
 * Tracks whether this process should receive traffic: every registered check passes and the
 * process is not shutting down.
 */
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();
  private shuttingDown = false;

  constructor(private readonly checkTimeoutMs = 2_000) {}

  add(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  async evaluate(): Promise<ReadinessReport> {
    if (this.shuttingDown) return { ready: false, failing: ['shutting-down'] };
    const results = await Promise.all(
      [...this.checks].map(async ([name, check]) => ((await this.passes(check)) ? undefined : name)),
    );
    const failing = results.filter((name): name is string => name !== undefined);
    return { ready: failing.length === 0, failing };
  }

  private async passes(check: ReadinessCheck): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('readiness check timed out')), this.checkTimeoutMs);
    });
    try {
      await Promise.race([check(), timeout]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
