import { policyV1 } from '@coffer/contracts';
import { loadServiceConfig, notImplementedService, runMain, startServiceRuntime } from '@coffer/platform';
import { policyPeerAllowlist } from './peer-allowlist.js';

/**
 * Entry point of the policy service. Policy service: who may do what to which file (deny by default, owner rights, shares, explicit deny wins).
 *
 * Contract: proto/coffer/policy/v1/policy.proto (PolicyService). None of its RPCs is implemented
 * yet: each is registered through notImplementedService, so the peer allowlist still applies and
 * an allowed caller gets UNIMPLEMENTED for:
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
    // Pass implemented handlers as notImplementedService's second argument as they land; HealthService comes from the platform.
    grpcServices: () => [notImplementedService(policyV1.PolicyServiceService)],
  });
  runtime.installSignalHandlers();
});
