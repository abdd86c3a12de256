import { HEALTH_CHECK_METHOD, type PeerAllowlist } from '@coffer/platform';

/**
 * Who may call the user service over mTLS (a peer is the service name in its certificate).
 * Every RPC of proto/coffer/user/v1/user.proto is open to gateway and auth; HealthService Check is
 * open to the gateway, which aggregates health for GET /v1/health. Deny by default: a method not
 * listed here, such as an RPC added to the contract later, is refused to everyone until it is
 * listed. Narrow a method's callers here when one of them should not call it.
 */
export const userPeerAllowlist: PeerAllowlist = {
  defaultPeers: [],
  methods: {
    [HEALTH_CHECK_METHOD]: ['gateway'],
    '/coffer.user.v1.UserService/CreateUser': ['gateway', 'auth'],
    '/coffer.user.v1.UserService/GetUser': ['gateway', 'auth'],
    '/coffer.user.v1.UserService/UpdateUser': ['gateway', 'auth'],
    '/coffer.user.v1.UserService/DeleteUser': ['gateway', 'auth'],
    '/coffer.user.v1.UserService/ListUsers': ['gateway', 'auth'],
  },
};
