import { describe, expect, it } from 'vitest';
import { ALL_SERVICES, HEALTH_CHECK_METHOD, isPeerAllowed } from '@coffer/platform';
import { policyPeerAllowlist } from './peer-allowlist.js';

/** Every RPC of proto/coffer/policy/v1/policy.proto. */
const RPC_METHODS = [
  '/coffer.policy.v1.PolicyService/Authorize',
  '/coffer.policy.v1.PolicyService/CreateGrant',
  '/coffer.policy.v1.PolicyService/RevokeGrant',
  '/coffer.policy.v1.PolicyService/ListGrants',
];

/** The services that may call every RPC. */
const CALLERS: readonly string[] = ['gateway', 'file'];

/** Every other Coffer service, and a caller that presented no certificate identity. */
const REFUSED_PEERS = [
  ...ALL_SERVICES.filter((peer) => !CALLERS.includes(peer)).map((peer) => ({ label: peer, peer })),
  { label: 'a caller without identity', peer: undefined },
];

describe('policy peer allowlist', () => {
  it.each(CALLERS.flatMap((peer) => RPC_METHODS.map((method) => [peer, method] as const)))('lets %s call %s', (peer, method) => {
    expect(isPeerAllowed(policyPeerAllowlist, method, peer)).toBe(true);
  });

  it('lets the gateway check its health', () => {
    expect(isPeerAllowed(policyPeerAllowlist, HEALTH_CHECK_METHOD, 'gateway')).toBe(true);
  });

  it.each(REFUSED_PEERS.flatMap(({ label, peer }) => RPC_METHODS.map((method) => [label, method, peer] as const)))(
    'refuses %s calling %s',
    (_label, method, peer) => {
      expect(isPeerAllowed(policyPeerAllowlist, method, peer)).toBe(false);
    },
  );

  it('refuses a caller without identity a health check', () => {
    expect(isPeerAllowed(policyPeerAllowlist, HEALTH_CHECK_METHOD, undefined)).toBe(false);
  });

  it.each(ALL_SERVICES)('refuses %s a method the contract does not declare (deny by default)', (peer) => {
    expect(isPeerAllowed(policyPeerAllowlist, '/coffer.policy.v1.PolicyService/NotInTheContract', peer)).toBe(false);
  });
});
