import { HEALTH_CHECK_METHOD, type PeerAllowlist } from '@coffer/platform';

/**
 * Who may call the auth service over mTLS. Only the gateway: it is the one place that turns
 * HTTP requests into logins, refreshes and session checks.
 */
export const authPeerAllowlist: PeerAllowlist = {
  defaultPeers: ['gateway'],
  methods: {
    [HEALTH_CHECK_METHOD]: ['gateway'],
    '/coffer.auth.v1.AuthService/Login': ['gateway'],
  },
};
