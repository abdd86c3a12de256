import { describe, expect, it } from 'vitest';
import { ALL_SERVICES, HEALTH_CHECK_METHOD, isPeerAllowed } from '@coffer/platform';
import { authPeerAllowlist } from './peer-allowlist.js';

/** Every RPC of proto/coffer/auth/v1/auth.proto. */
const RPC_METHODS = [
  '/coffer.auth.v1.AuthService/Register',
  '/coffer.auth.v1.AuthService/Login',
  '/coffer.auth.v1.AuthService/Refresh',
  '/coffer.auth.v1.AuthService/Logout',
  '/coffer.auth.v1.AuthService/RevokeAllSessions',
  '/coffer.auth.v1.AuthService/CheckSession',
  '/coffer.auth.v1.AuthService/GetJwks',
  '/coffer.auth.v1.AuthService/ChangePassword',
  '/coffer.auth.v1.AuthService/ListSessions',
];

/** The services that may call every RPC. */
const CALLERS: readonly string[] = ['gateway'];

/** Every other Coffer service, and a caller that presented no certificate identity. */
const REFUSED_PEERS = [
  ...ALL_SERVICES.filter((peer) => !CALLERS.includes(peer)).map((peer) => ({ label: peer, peer })),
  { label: 'a caller without identity', peer: undefined },
];

describe('auth peer allowlist', () => {
  it.each(CALLERS.flatMap((peer) => RPC_METHODS.map((method) => [peer, method] as const)))('lets %s call %s', (peer, method) => {
    expect(isPeerAllowed(authPeerAllowlist, method, peer)).toBe(true);
  });

  it('lets the gateway check its health', () => {
    expect(isPeerAllowed(authPeerAllowlist, HEALTH_CHECK_METHOD, 'gateway')).toBe(true);
  });

  it.each(REFUSED_PEERS.flatMap(({ label, peer }) => RPC_METHODS.map((method) => [label, method, peer] as const)))(
    'refuses %s calling %s',
    (_label, method, peer) => {
      expect(isPeerAllowed(authPeerAllowlist, method, peer)).toBe(false);
    },
  );

  it('refuses a caller without identity a health check', () => {
    expect(isPeerAllowed(authPeerAllowlist, HEALTH_CHECK_METHOD, undefined)).toBe(false);
  });

  it.each(ALL_SERVICES)('refuses %s a method the contract does not declare (deny by default)', (peer) => {
    expect(isPeerAllowed(authPeerAllowlist, '/coffer.auth.v1.AuthService/NotInTheContract', peer)).toBe(false);
  });
});
