/** The mixed workload of the fault and load harnesses. */
export { call, type Answer, type CallOptions } from './http.js';
export {
  countByPhase,
  countBySecond,
  leaksInternals,
  unexpectedAnswers,
  type Phase,
  type PhaseCounts,
  type RequestKind,
  type RequestRecord,
  type Unexpected,
} from './status-ledger.js';
export { WebhookSink, type WebhookHit } from './webhook-sink.js';
export {
  emptyWorkloadRecord,
  sha256,
  startMixedWorkload,
  type AckedShare,
  type AckedUpload,
  type RunningWorkload,
  type WorkloadIdentity,
  type WorkloadOptions,
  type WorkloadRecord,
} from './mixed-workload.js';
