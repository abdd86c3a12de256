import { loadServiceConfig, runMain, startServiceRuntime } from '@coffer/platform';
import { auditPeerAllowlist } from './peer-allowlist.js';

/**
 * Entry point of the audit service. Audit service: queries over the audit trail it ingests from the event bus.
 *
 * Contract: proto/coffer/audit/v1/audit.proto (AuditService). None of its RPCs is implemented
 * yet, so the server serves only the HealthService the platform adds, and a call to any of these
 * answers UNIMPLEMENTED:
 *   - QueryEvents
 */
runMain('audit', async () => {
  const config = loadServiceConfig('audit');
  const runtime = await startServiceRuntime({
    name: 'audit',
    config,
    allowlist: auditPeerAllowlist,
    // Register the AuditService handlers here as they are implemented; HealthService comes from the platform.
    grpcServices: () => [],
  });
  runtime.installSignalHandlers();
});
