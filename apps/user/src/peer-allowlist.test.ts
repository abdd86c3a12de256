import { describe, expect, it } from 'vitest';
import { ALL_SERVICES, HEALTH_CHECK_METHOD, isPeerAllowed } from '@coffer/platform';
import { userPeerAllowlist } from './peer-allowlist.js';

/** Every RPC of proto/coffer/user/v1/user.proto. */
const RPC_METHODS = [
  '/coffer.user.v1.UserService/CreateUser',
  '/coffer.user.v1.UserService/GetUser',
  '/coffer.user.v1.UserService/GetUserByEmail',
  '/coffer.user.v1.UserService/UpdateUser',
  '/coffer.user.v1.UserService/DeleteUser',
  '/coffer.user.v1.UserService/ListUsers',
];

/** The RPCs the gateway may call (all but creating a profile and the lookup by email, which are auth's). */
const GATEWAY_METHODS = RPC_METHODS.filter((method) => !method.endsWith('/GetUserByEmail') && !method.endsWith('/CreateUser'));

/** The services that may call the gateway-facing RPCs (auth has its own rules, tested below). */
const CALLERS: readonly string[] = ['gateway'];

/** Every other Coffer service, and a caller that presented no certificate identity. */
const REFUSED_PEERS = [
  ...ALL_SERVICES.filter((peer) => !CALLERS.includes(peer) && peer !== 'auth').map((peer) => ({ label: peer, peer })),
  { label: 'a caller without identity', peer: undefined },
];

describe('user peer allowlist', () => {
  it('lets auth create and read profiles and undo a sign-up, but not change or list profiles', () => {
    const forAuth = ['/coffer.user.v1.UserService/CreateUser', '/coffer.user.v1.UserService/GetUser', '/coffer.user.v1.UserService/GetUserByEmail', '/coffer.user.v1.UserService/DeleteUser'];
    for (const method of forAuth) expect(isPeerAllowed(userPeerAllowlist, method, 'auth'), method).toBe(true);
    for (const method of RPC_METHODS.filter((path) => !forAuth.includes(path))) {
      expect(isPeerAllowed(userPeerAllowlist, method, 'auth'), method).toBe(false);
    }
  });

  it('refuses the gateway (and everyone but auth) a lookup by email, so no endpoint can reveal whether an account exists', () => {
    for (const peer of ALL_SERVICES.filter((name) => name !== 'auth')) {
      expect(isPeerAllowed(userPeerAllowlist, '/coffer.user.v1.UserService/GetUserByEmail', peer), peer).toBe(false);
    }
  });

  it('refuses the gateway (and everyone but auth) creating a profile without credentials', () => {
    for (const peer of ALL_SERVICES.filter((name) => name !== 'auth')) {
      expect(isPeerAllowed(userPeerAllowlist, '/coffer.user.v1.UserService/CreateUser', peer), peer).toBe(false);
    }
  });

  it.each(CALLERS.flatMap((peer) => GATEWAY_METHODS.map((method) => [peer, method] as const)))('lets %s call %s', (peer, method) => {
    expect(isPeerAllowed(userPeerAllowlist, method, peer)).toBe(true);
  });

  it('lets the gateway check its health', () => {
    expect(isPeerAllowed(userPeerAllowlist, HEALTH_CHECK_METHOD, 'gateway')).toBe(true);
  });

  it.each(REFUSED_PEERS.flatMap(({ label, peer }) => RPC_METHODS.map((method) => [label, method, peer] as const)))(
    'refuses %s calling %s',
    (_label, method, peer) => {
      expect(isPeerAllowed(userPeerAllowlist, method, peer)).toBe(false);
    },
  );

  it('refuses a caller without identity a health check', () => {
    expect(isPeerAllowed(userPeerAllowlist, HEALTH_CHECK_METHOD, undefined)).toBe(false);
  });

  it.each(ALL_SERVICES)('refuses %s a method the contract does not declare (deny by default)', (peer) => {
    expect(isPeerAllowed(userPeerAllowlist, '/coffer.user.v1.UserService/NotInTheContract', peer)).toBe(false);
  });
});
