import { describe, expect, it } from 'vitest';
import { metadataV1 } from '@coffer/contracts';
import { ALL_SERVICES, HEALTH_CHECK_METHOD, isPeerAllowed } from '@coffer/platform';
import { metadataPeerAllowlist } from './peer-allowlist.js';

/** Every RPC of proto/coffer/metadata/v1/metadata.proto, written out so a change shows here. */
const RPC_METHODS = [
  '/coffer.metadata.v1.MetadataService/CreateFile',
  '/coffer.metadata.v1.MetadataService/GetFile',
  '/coffer.metadata.v1.MetadataService/ListFiles',
  '/coffer.metadata.v1.MetadataService/UpdateFile',
  '/coffer.metadata.v1.MetadataService/DeleteFile',
  '/coffer.metadata.v1.MetadataService/RestoreFile',
  '/coffer.metadata.v1.MetadataService/ListVersions',
  '/coffer.metadata.v1.MetadataService/GetUsage',
  '/coffer.metadata.v1.MetadataService/QuarantineFile',
  '/coffer.metadata.v1.MetadataService/FindUnreferencedKeys',
  '/coffer.metadata.v1.MetadataService/ScanVersions',
];

/** Only the file service calls MetadataService. */
const CALLERS: readonly string[] = ['file'];

/** Every other Coffer service (gateway and policy among them), and a caller without identity. */
const REFUSED_PEERS = [
  ...ALL_SERVICES.filter((peer) => !CALLERS.includes(peer)).map((peer) => ({ label: peer, peer })),
  { label: 'a caller without identity', peer: undefined },
];

describe('metadata peer allowlist', () => {
  it('lists exactly the RPCs of the contract', () => {
    const contract = Object.values(metadataV1.MetadataServiceService).map((method) => method.path);
    expect([...contract].sort()).toEqual([...RPC_METHODS].sort());
  });

  it.each(CALLERS.flatMap((peer) => RPC_METHODS.map((method) => [peer, method] as const)))('lets %s call %s', (peer, method) => {
    expect(isPeerAllowed(metadataPeerAllowlist, method, peer)).toBe(true);
  });

  it.each(['gateway', 'policy'].flatMap((peer) => RPC_METHODS.map((method) => [peer, method] as const)))(
    'refuses %s calling %s (data goes through the file service)',
    (peer, method) => {
      expect(REFUSED_PEERS.some((refused) => refused.peer === peer)).toBe(true);
      expect(isPeerAllowed(metadataPeerAllowlist, method, peer)).toBe(false);
    },
  );

  it('lets the gateway check its health, and only the gateway', () => {
    expect(isPeerAllowed(metadataPeerAllowlist, HEALTH_CHECK_METHOD, 'gateway')).toBe(true);
    expect(isPeerAllowed(metadataPeerAllowlist, HEALTH_CHECK_METHOD, 'file')).toBe(false);
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
