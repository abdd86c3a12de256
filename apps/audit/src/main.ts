import { auditV1 } from '@coffer/contracts';
import { loadServiceConfig, notImplementedService, runMain, startServiceRuntime } from '@coffer/platform';
import { auditPeerAllowlist } from './peer-allowlist.js';

/**
 * Entry point of the audit service. Audit service: queries over the audit trail it ingests from the event bus.
 *
 * Contract: proto/coffer/audit/v1/audit.proto (AuditService). None of its RPCs is implemented
 * yet: each is registered through notImplementedService, so the peer allowlist still applies and
 * an allowed caller gets UNIMPLEMENTED for:
 *   - QueryEvents
 */
runMain('audit', async () => {
  const config = loadServiceConfig('audit');
  const runtime = await startServiceRuntime({
    name: 'audit',
    config,
    allowlist: auditPeerAllowlist,
    // Pass implemented handlers as notImplementedService's second argument as they land; HealthService comes from the platform.
    grpcServices: () => [notImplementedService(auditV1.AuditServiceService)],
  });
  runtime.installSignalHandlers();
});
