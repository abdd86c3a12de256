import { HEALTH_CHECK_METHOD, type PeerAllowlist } from '@coffer/platform';

/**
 * Who may call the user service over mTLS (a peer is the service name in its certificate).
 * Every RPC of proto/coffer/user/v1/user.proto is open to the gateway; HealthService Check is
 * open to the gateway, which aggregates health for GET /v1/health. Deny by default: a method not
 * listed here, such as an RPC added to the contract later, is refused to everyone until it is
 * listed. Auth creates profiles at sign-up (CreateUser), reads them (GetUser, GetUserByEmail) and undoes a
 * failed sign-up (DeleteUser); every other change to profiles comes through the gateway.
 */
export const userPeerAllowlist: PeerAllowlist = {
  defaultPeers: [],
  methods: {
    [HEALTH_CHECK_METHOD]: ['gateway'],
    // Sign-up goes through auth (AuthService.Register), which creates the profile with the credentials.
    '/coffer.user.v1.UserService/CreateUser': ['auth'],
    '/coffer.user.v1.UserService/GetUser': ['gateway', 'auth'],
    // Only auth looks accounts up by email (login); the gateway never learns whether an email exists.
    '/coffer.user.v1.UserService/GetUserByEmail': ['auth'],
    '/coffer.user.v1.UserService/UpdateUser': ['gateway'],
    // Auth purges a profile whose sign-up failed halfway (see AuthService.Register).
    '/coffer.user.v1.UserService/DeleteUser': ['gateway', 'auth'],
    '/coffer.user.v1.UserService/ListUsers': ['gateway'],
  },
};
