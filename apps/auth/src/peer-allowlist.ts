import { HEALTH_CHECK_METHOD, type PeerAllowlist } from '@coffer/platform';

/**
 * Who may call the auth service over mTLS (a peer is the service name in its certificate).
 * Every RPC of proto/coffer/auth/v1/auth.proto is open to gateway; HealthService Check is
 * open to the gateway, which aggregates health for GET /v1/health. Deny by default: a method not
 * listed here, such as an RPC added to the contract later, is refused to everyone until it is
 * listed. Narrow a method's callers here when one of them should not call it.
 */
export const authPeerAllowlist: PeerAllowlist = {
  defaultPeers: [],
  methods: {
    [HEALTH_CHECK_METHOD]: ['gateway'],
    '/coffer.auth.v1.AuthService/Register': ['gateway'],
    '/coffer.auth.v1.AuthService/Login': ['gateway'],
    '/coffer.auth.v1.AuthService/Refresh': ['gateway'],
    '/coffer.auth.v1.AuthService/Logout': ['gateway'],
    '/coffer.auth.v1.AuthService/RevokeAllSessions': ['gateway'],
    '/coffer.auth.v1.AuthService/CheckSession': ['gateway'],
    '/coffer.auth.v1.AuthService/GetJwks': ['gateway'],
    '/coffer.auth.v1.AuthService/ChangePassword': ['gateway'],
    '/coffer.auth.v1.AuthService/ListSessions': ['gateway'],
  },
};
