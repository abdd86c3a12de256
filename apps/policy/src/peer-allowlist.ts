import { HEALTH_CHECK_METHOD, type PeerAllowlist } from '@coffer/platform';

/**
 * Who may call the policy service over mTLS (a peer is the service name in its certificate).
 * Every RPC of proto/coffer/policy/v1/policy.proto is open to gateway and file; HealthService Check is
 * open to the gateway, which aggregates health for GET /v1/health. Deny by default: a method not
 * listed here, such as an RPC added to the contract later, is refused to everyone until it is
 * listed. Narrow a method's callers here when one of them should not call it.
 */
export const policyPeerAllowlist: PeerAllowlist = {
  defaultPeers: [],
  methods: {
    [HEALTH_CHECK_METHOD]: ['gateway'],
    '/coffer.policy.v1.PolicyService/Authorize': ['gateway', 'file'],
    '/coffer.policy.v1.PolicyService/CreateGrant': ['gateway', 'file'],
    '/coffer.policy.v1.PolicyService/RevokeGrant': ['gateway', 'file'],
    '/coffer.policy.v1.PolicyService/ListGrants': ['gateway', 'file'],
  },
};
