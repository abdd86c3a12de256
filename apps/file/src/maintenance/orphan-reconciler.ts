import type { ObjectStore } from '@coffer/object-storage';
import type { Logger } from '@coffer/platform';
import type { FileRecords } from '../collaborators/file-records.js';
import type { FileMetrics } from '../file-metrics.js';
import { OBJECT_KEY_PREFIX } from '../files/upload-operation.js';

export interface OrphanReconcilerOptions {
  store: ObjectStore;
  records: FileRecords;
  metrics: FileMetrics;
  logger: Logger;
  /** Objects younger than this are left alone: their upload may still be recording them. */
  graceSeconds: number;
  /** Keys asked about per FindUnreferencedKeys call (default 500). */
  batchSize?: number;
  /** For tests; default `() => new Date()`. */
  now?: () => Date;
}

/** What one reconciliation pass did. */
export interface ReconcileReport {
  /** Objects under `objects/` seen. */
  scanned: number;
  /** Of those, old enough to be asked about. */
  checked: number;
  removed: number;
}

/**
 * Deletes objects no file version refers to: left behind by a crash between the object put and
 * the metadata record, by a purge whose object deletes failed, or by a failed upload whose
 * clean-up failed. Only keys older than the grace period are considered, so an upload between
 * its put and its CreateFile is never touched. Run by a PeriodicJob; `reconcileOnce` for tests.
 */
export class OrphanReconciler {
  private readonly batchSize: number;
  private readonly now: () => Date;

  constructor(private readonly options: OrphanReconcilerOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.now = options.now ?? (() => new Date());
  }

  async reconcileOnce(): Promise<ReconcileReport> {
    const report: ReconcileReport = { scanned: 0, checked: 0, removed: 0 };
    const cutoff = this.now().getTime() - this.options.graceSeconds * 1_000;
    let batch: string[] = [];
    for await (const key of this.options.store.list(OBJECT_KEY_PREFIX)) {
      report.scanned += 1;
      const stat = await this.options.store.stat(key);
      if (stat === undefined || stat.lastModified.getTime() > cutoff) continue;
      batch.push(key);
      report.checked += 1;
      if (batch.length >= this.batchSize) {
        report.removed += await this.removeUnreferenced(batch);
        batch = [];
      }
    }
    if (batch.length > 0) report.removed += await this.removeUnreferenced(batch);
    if (report.removed > 0) this.options.logger.info(report, 'orphan objects removed');
    return report;
  }

  private async removeUnreferenced(keys: readonly string[]): Promise<number> {
    const unreferenced = await this.options.records.findUnreferencedKeys(keys);
    const asked = new Set(keys);
    let removed = 0;
    for (const key of unreferenced) {
      // Never delete something we did not ask about, whatever the answer says.
      if (!asked.has(key)) continue;
      await this.options.store.delete(key);
      this.options.metrics.orphansRemoved.inc();
      removed += 1;
    }
    return removed;
  }
}
