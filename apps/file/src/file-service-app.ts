import type { HmacKeyRing } from '@coffer/integrity';
import type { ObjectStore } from '@coffer/object-storage';
import type { Logger } from '@coffer/platform';
import type { Registry } from 'prom-client';
import type { AccessPolicy } from './collaborators/access-policy.js';
import type { FileRecords } from './collaborators/file-records.js';
import { ContentTypeRules } from './content/content-type-rules.js';
import type { FileEventSink } from './events/file-event-sink.js';
import { FileMetrics } from './file-metrics.js';
import { DownloadOperation } from './files/download-operation.js';
import { FileAccess } from './files/file-access.js';
import { FileOperations, type SharingLimits } from './files/file-operations.js';
import { fileServiceImplementation } from './files/file-service.js';
import { UploadOperation, type UploadLimits } from './files/upload-operation.js';
import { IntegrityScrubber } from './maintenance/integrity-scrubber.js';
import { OrphanReconciler } from './maintenance/orphan-reconciler.js';

/** Everything the file service is built from (no I/O here: the caller opens connections). */
export interface FileServiceAppDeps {
  records: FileRecords;
  policy: AccessPolicy;
  store: ObjectStore;
  ring: HmacKeyRing;
  events: FileEventSink;
  registry: Registry;
  logger: Logger;
  limits: UploadLimits;
  /** Share and link caps per file; default DEFAULT_SHARING_LIMITS. */
  sharing?: SharingLimits;
  contentTypes: { allow: readonly string[]; deny: readonly string[] };
  verifyOnRead: boolean;
  orphanGraceSeconds: number;
}

/** The wired-up file service: its gRPC implementation and its background work. */
export interface FileServiceApp {
  implementation: ReturnType<typeof fileServiceImplementation>;
  upload: UploadOperation;
  download: DownloadOperation;
  operations: FileOperations;
  reconciler: OrphanReconciler;
  scrubber: IntegrityScrubber;
  metrics: FileMetrics;
}

/** Builds the file service from its dependencies (used by main.ts and the integration tests). */
export function createFileServiceApp(deps: FileServiceAppDeps): FileServiceApp {
  const metrics = new FileMetrics(deps.registry);
  const access = new FileAccess(deps.records, deps.policy, deps.events, deps.logger);
  const upload = new UploadOperation({
    records: deps.records,
    access,
    store: deps.store,
    ring: deps.ring,
    contentTypes: new ContentTypeRules({ allow: deps.contentTypes.allow, deny: deps.contentTypes.deny }),
    limits: deps.limits,
    metrics,
    logger: deps.logger,
  });
  const download = new DownloadOperation({
    records: deps.records,
    access,
    policy: deps.policy,
    store: deps.store,
    ring: deps.ring,
    events: deps.events,
    metrics,
    logger: deps.logger,
    verifyOnRead: deps.verifyOnRead,
  });
  const operations = new FileOperations({ records: deps.records, policy: deps.policy, access, store: deps.store, limits: deps.limits, logger: deps.logger, ...(deps.sharing === undefined ? {} : { sharing: deps.sharing }) });
  return {
    implementation: fileServiceImplementation({ upload, download, operations, logger: deps.logger }),
    upload,
    download,
    operations,
    reconciler: new OrphanReconciler({
      store: deps.store,
      records: deps.records,
      metrics,
      logger: deps.logger.child({ component: 'orphan-reconciler' }),
      graceSeconds: deps.orphanGraceSeconds,
    }),
    scrubber: new IntegrityScrubber({ store: deps.store, records: deps.records, ring: deps.ring, metrics, logger: deps.logger.child({ component: 'scrubber' }) }),
    metrics,
  };
}
