import { HEALTH_CHECK_METHOD, type PeerAllowlist } from '@coffer/platform';

/**
 * Who may call the audit service over mTLS (a peer is the service name in its certificate).
 * The gateway reads the trail (QueryEvents, ExportEvents) and runs VerifyChain for admins; the
 * producing services hand their events to PublishEvents when the platform runs on the embedded
 * bus. HealthService Check is open to the gateway. Deny by default: a method not listed here is
 * refused to everyone.
 */
export const auditPeerAllowlist: PeerAllowlist = {
  defaultPeers: [],
  methods: {
    [HEALTH_CHECK_METHOD]: ['gateway'],
    '/coffer.audit.v1.AuditService/QueryEvents': ['gateway'],
    '/coffer.audit.v1.AuditService/ExportEvents': ['gateway'],
    '/coffer.audit.v1.AuditService/VerifyChain': ['gateway'],
    '/coffer.audit.v1.AuditService/PublishEvents': ['auth', 'user', 'file', 'metadata', 'policy', 'webhook'],
  },
};
