import { HEALTH_CHECK_METHOD, type PeerAllowlist } from '@coffer/platform';

/**
 * Who may call the audit service over mTLS (a peer is the service name in its certificate).
 * Every RPC of proto/coffer/audit/v1/audit.proto is open to gateway; HealthService Check is
 * open to the gateway, which aggregates health for GET /v1/health. Deny by default: a method not
 * listed here, such as an RPC added to the contract later, is refused to everyone until it is
 * listed. Narrow a method's callers here when one of them should not call it.
 */
export const auditPeerAllowlist: PeerAllowlist = {
  defaultPeers: [],
  methods: {
    [HEALTH_CHECK_METHOD]: ['gateway'],
    '/coffer.audit.v1.AuditService/QueryEvents': ['gateway'],
  },
};
