import { loadServiceConfig, runMain, startServiceRuntime } from '@coffer/platform';
import { policyPeerAllowlist } from './peer-allowlist.js';

/**
 * Entry point of the policy service. Policy service: who may do what to which file (deny by default, owner rights, shares, explicit deny wins).
 *
 * Contract: proto/coffer/policy/v1/policy.proto (PolicyService). None of its RPCs is implemented
 * yet, so the server serves only the HealthService the platform adds, and a call to any of these
 * answers UNIMPLEMENTED:
 *   - Authorize
 *   - CreateGrant
 *   - RevokeGrant
 *   - ListGrants
 */
runMain('policy', async () => {
  const config = loadServiceConfig('policy');
  const runtime = await startServiceRuntime({
    name: 'policy',
    config,
    allowlist: policyPeerAllowlist,
    // Register the PolicyService handlers here as they are implemented; HealthService comes from the platform.
    grpcServices: () => [],
  });
  runtime.installSignalHandlers();
});
