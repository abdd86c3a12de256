import { describe, expect, it } from 'vitest';
import { ALL_SERVICES, HEALTH_CHECK_METHOD, isPeerAllowed } from '@coffer/platform';
import { metadataPeerAllowlist } from './peer-allowlist.js';

/** Every RPC of proto/coffer/metadata/v1/metadata.proto. */
const RPC_METHODS = [
  '/coffer.metadata.v1.MetadataService/CreateFile',
  '/coffer.metadata.v1.MetadataService/GetFile',
  '/coffer.metadata.v1.MetadataService/ListFiles',
  '/coffer.metadata.v1.MetadataService/UpdateFile',
  '/coffer.metadata.v1.MetadataService/DeleteFile',
];

/** The services that may call every RPC. */
const CALLERS: readonly string[] = ['gateway', 'file', 'policy'];

/** Every other Coffer service, and a caller that presented no certificate identity. */
const REFUSED_PEERS = [
  ...ALL_SERVICES.filter((peer) => !CALLERS.includes(peer)).map((peer) => ({ label: peer, peer })),
  { label: 'a caller without identity', peer: undefined },
];

describe('metadata peer allowlist', () => {
  it.each(CALLERS.flatMap((peer) => RPC_METHODS.map((method) => [peer, method] as const)))('lets %s call %s', (peer, method) => {
    expect(isPeerAllowed(metadataPeerAllowlist, method, peer)).toBe(true);
  });

  it('lets the gateway check its health', () => {
    expect(isPeerAllowed(metadataPeerAllowlist, HEALTH_CHECK_METHOD, 'gateway')).toBe(true);
  });

  it.each(REFUSED_PEERS.flatMap(({ label, peer }) => RPC_METHODS.map((method) => [label, method, peer] as const)))(
    'refuses %s calling %s',
    (_label, method, peer) => {
      expect(isPeerAllowed(metadataPeerAllowlist, method, peer)).toBe(false);
    },
  );

  it('refuses a caller without identity a health check', () => {
    expect(isPeerAllowed(metadataPeerAllowlist, HEALTH_CHECK_METHOD, undefined)).toBe(false);
  });

  it.each(ALL_SERVICES)('refuses %s a method the contract does not declare (deny by default)', (peer) => {
    expect(isPeerAllowed(metadataPeerAllowlist, '/coffer.metadata.v1.MetadataService/NotInTheContract', peer)).toBe(false);
  });
});
