import { pipeline } from 'node:stream/promises';
import { ContentDigester, hmacMatches, type HmacKeyRing } from '@coffer/integrity';
import type { ObjectStore } from '@coffer/object-storage';
import { isAppError, type Logger } from '@coffer/platform';
import type { FileRecords, FileVersion } from '../collaborators/file-records.js';
import type { FileMetrics } from '../file-metrics.js';

export interface IntegrityScrubberOptions {
  store: ObjectStore;
  records: FileRecords;
  ring: HmacKeyRing;
  metrics: FileMetrics;
  logger: Logger;
  /** Versions per ScanVersions page (default 100). */
  pageSize?: number;
}

/** What one scrub pass did. */
export interface ScrubReport {
  checked: number;
  quarantined: number;
}

/**
 * Re-reads every stored version and recomputes its SHA-256 and HMAC; a version whose bytes do
 * not match (or whose object is missing) is quarantined with `detected_by: "scrub"`. Catches
 * corruption of objects nobody downloads, and of ranges, which reads do not verify. Run by a
 * PeriodicJob when COFFER_FILE_SCRUB_INTERVAL_MS > 0; `scrubOnce` for tests.
 */
export class IntegrityScrubber {
  private readonly pageSize: number;

  constructor(private readonly options: IntegrityScrubberOptions) {
    this.pageSize = options.pageSize ?? 100;
  }

  async scrubOnce(): Promise<ScrubReport> {
    const report: ScrubReport = { checked: 0, quarantined: 0 };
    let after = '';
    for (;;) {
      const page = await this.options.records.scanVersions(after, this.pageSize);
      if (page.length === 0) break;
      for (const version of page) {
        if (version.quarantinedAt !== undefined) continue;
        report.checked += 1;
        const problem = await this.check(version);
        if (problem === undefined) continue;
        this.options.metrics.integrityFailure('scrub');
        this.options.logger.error({ file_id: version.fileId, version: version.version, reason: problem }, 'stored object failed verification by the scrubber');
        await this.options.records.quarantineFile({ fileId: version.fileId, version: version.version, reason: problem, detectedBy: 'scrub', traceparent: '' });
        report.quarantined += 1;
      }
      const last = page[page.length - 1];
      if (last === undefined || page.length < this.pageSize) break;
      after = last.storageKey;
    }
    return report;
  }

  /** Why the version's bytes are bad, or undefined when they match. */
  private async check(version: FileVersion): Promise<string | undefined> {
    let digester: ContentDigester;
    try {
      digester = new ContentDigester({ ring: this.options.ring, hmacKeyId: version.hmacKeyId, headBytes: 0 });
    } catch {
      // An unknown key is a configuration problem, not corruption: report it, quarantine nothing.
      this.options.logger.warn({ file_id: version.fileId, version: version.version }, 'cannot scrub a version whose HMAC key is not in the ring');
      return undefined;
    }
    try {
      const content = await this.options.store.get(version.storageKey);
      digester.resume();
      await pipeline(content.body, digester);
    } catch (error) {
      if (isAppError(error) && error.code === 'not_found') return 'object missing';
      throw error;
    }
    const digest = digester.result();
    if (digest.size !== version.sizeBytes) return 'size mismatch on scrub';
    if (digest.sha256Hex !== version.sha256) return 'sha256 mismatch on scrub';
    if (!hmacMatches(this.options.ring, version.hmacKeyId, digest.hmacHex, version.hmacSha256)) return 'hmac mismatch on scrub';
    return undefined;
  }
}
