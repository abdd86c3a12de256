import { HEALTH_CHECK_METHOD, type PeerAllowlist } from '@coffer/platform';

const FILE_ONLY = ['file'];
const GATEWAY_ONLY = ['gateway'];

/**
 * Who may call the policy service over mTLS (a peer is the service name in its certificate).
 * The file service is the policy enforcement point: it asks Authorize, and it alone changes
 * shares and links and resolves link tokens (after its own `file:share` check), so a
 * compromised gateway cannot grant itself access. Policy statements are administration and come
 * through the gateway only. HealthService Check is open to the gateway, which aggregates health.
 * Deny by default: a method not listed is refused to everyone.
 */
export const policyPeerAllowlist: PeerAllowlist = {
  defaultPeers: [],
  methods: {
    [HEALTH_CHECK_METHOD]: GATEWAY_ONLY,
    '/coffer.policy.v1.PolicyService/Authorize': FILE_ONLY,
    '/coffer.policy.v1.PolicyService/CreateGrant': FILE_ONLY,
    '/coffer.policy.v1.PolicyService/RevokeGrant': FILE_ONLY,
    '/coffer.policy.v1.PolicyService/ListGrants': FILE_ONLY,
    '/coffer.policy.v1.PolicyService/ListGrantedResources': FILE_ONLY,
    '/coffer.policy.v1.PolicyService/RevokeResourceGrants': FILE_ONLY,
    '/coffer.policy.v1.PolicyService/CreateLink': FILE_ONLY,
    '/coffer.policy.v1.PolicyService/RevokeLink': FILE_ONLY,
    '/coffer.policy.v1.PolicyService/ListLinks': FILE_ONLY,
    '/coffer.policy.v1.PolicyService/ResolveLink': FILE_ONLY,
    '/coffer.policy.v1.PolicyService/PutStatement': GATEWAY_ONLY,
    '/coffer.policy.v1.PolicyService/DeleteStatement': GATEWAY_ONLY,
    '/coffer.policy.v1.PolicyService/ListStatements': GATEWAY_ONLY,
  },
};
