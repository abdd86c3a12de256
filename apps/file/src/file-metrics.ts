import { Counter, type Registry } from 'prom-client';

/** Bounded outcomes of an upload (label values of `file_uploads_total`). */
export type UploadOutcome =
  | 'created'
  | 'versioned'
  | 'invalid'
  | 'too_large'
  | 'quota_exceeded'
  | 'unsupported_media_type'
  | 'digest_mismatch'
  | 'denied'
  | 'conflict'
  | 'cancelled'
  | 'failed';

/** Where integrity failures were found. */
export type IntegrityDetector = 'read' | 'scrub';

/** The file service's own metrics. Labels never carry ids. */
export class FileMetrics {
  readonly integrityFailures: Counter<'detected_by'>;
  readonly uploadedBytes: Counter;
  readonly downloadedBytes: Counter;
  readonly uploads: Counter<'outcome'>;
  readonly orphansRemoved: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.integrityFailures = new Counter({
      name: 'file_integrity_failures_total',
      help: 'Stored objects whose bytes did not match their recorded SHA-256 or HMAC.',
      labelNames: ['detected_by'],
      registers,
    });
    this.uploadedBytes = new Counter({ name: 'file_uploaded_bytes_total', help: 'Bytes of uploads recorded.', registers });
    this.downloadedBytes = new Counter({ name: 'file_downloaded_bytes_total', help: 'Bytes of file content sent.', registers });
    this.uploads = new Counter({ name: 'file_uploads_total', help: 'Uploads by outcome.', labelNames: ['outcome'], registers });
    this.orphansRemoved = new Counter({ name: 'file_orphans_removed_total', help: 'Objects no version referred to, deleted by the reconciler.', registers });
  }

  integrityFailure(detectedBy: IntegrityDetector): void {
    this.integrityFailures.inc({ detected_by: detectedBy });
  }

  upload(outcome: UploadOutcome): void {
    this.uploads.inc({ outcome });
  }
}
