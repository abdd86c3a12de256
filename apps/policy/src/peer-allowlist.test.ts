import { describe, expect, it } from 'vitest';
import { ALL_SERVICES, HEALTH_CHECK_METHOD, isPeerAllowed } from '@coffer/platform';
import { policyPeerAllowlist } from './peer-allowlist.js';

const method = (name: string) => `/coffer.policy.v1.PolicyService/${name}`;

/** The RPCs of proto/coffer/policy/v1/policy.proto only the file service may call. */
const FILE_METHODS = [
  'Authorize',
  'CreateGrant',
  'RevokeGrant',
  'ListGrants',
  'ListGrantedResources',
  'RevokeResourceGrants',
  'CreateLink',
  'RevokeLink',
  'ListLinks',
  'ResolveLink',
].map(method);
/** The administration RPCs only the gateway may call. */
const GATEWAY_METHODS = ['PutStatement', 'DeleteStatement', 'ListStatements'].map(method);

const PEERS = [...ALL_SERVICES.map((peer) => ({ label: peer, peer: peer as string | undefined })), { label: 'a caller without identity', peer: undefined }];

describe('policy peer allowlist', () => {
  it.each(FILE_METHODS)('lets file call %s and refuses everyone else', (path) => {
    for (const { label, peer } of PEERS) expect(isPeerAllowed(policyPeerAllowlist, path, peer), label).toBe(peer === 'file');
  });

  it.each(GATEWAY_METHODS)('lets the gateway call %s and refuses everyone else (file included)', (path) => {
    for (const { label, peer } of PEERS) expect(isPeerAllowed(policyPeerAllowlist, path, peer), label).toBe(peer === 'gateway');
  });

  it('lets only the gateway check its health', () => {
    for (const { label, peer } of PEERS) expect(isPeerAllowed(policyPeerAllowlist, HEALTH_CHECK_METHOD, peer), label).toBe(peer === 'gateway');
  });

  it('lists every RPC of the contract, and nothing else', async () => {
    const { policyV1 } = await import('@coffer/contracts');
    const contract = Object.values(policyV1.PolicyServiceService as Record<string, { path: string }>).map((definition) => definition.path).sort();
    const listed = Object.keys(policyPeerAllowlist.methods ?? {}).filter((path) => path !== HEALTH_CHECK_METHOD).sort();
    expect(listed).toEqual(contract);
  });

  it.each(ALL_SERVICES)('refuses %s a method the contract does not declare (deny by default)', (peer) => {
    expect(isPeerAllowed(policyPeerAllowlist, method('NotInTheContract'), peer)).toBe(false);
  });
});
