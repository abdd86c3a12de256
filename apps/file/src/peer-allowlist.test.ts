import { describe, expect, it } from 'vitest';
import { ALL_SERVICES, HEALTH_CHECK_METHOD, isPeerAllowed } from '@coffer/platform';
import { filePeerAllowlist } from './peer-allowlist.js';

/** Every RPC of proto/coffer/file/v1/file.proto. */
const RPC_METHODS = [
  'UploadFile',
  'DownloadFile',
  'DeleteFile',
  'GetFile',
  'ListFiles',
  'UpdateFile',
  'RestoreFile',
  'ListVersions',
  'GetUsage',
  'CreateShare',
  'ListShares',
  'RevokeShare',
  'CreateLink',
  'ListLinks',
  'RevokeLink',
].map((name) => `/coffer.file.v1.FileService/${name}`);

/** The services that may call every RPC. */
const CALLERS: readonly string[] = ['gateway'];

/** Every other Coffer service, and a caller that presented no certificate identity. */
const REFUSED_PEERS = [
  ...ALL_SERVICES.filter((peer) => !CALLERS.includes(peer)).map((peer) => ({ label: peer, peer })),
  { label: 'a caller without identity', peer: undefined },
];

describe('file peer allowlist', () => {
  it.each(CALLERS.flatMap((peer) => RPC_METHODS.map((method) => [peer, method] as const)))('lets %s call %s', (peer, method) => {
    expect(isPeerAllowed(filePeerAllowlist, method, peer)).toBe(true);
  });

  it('lets the gateway check its health', () => {
    expect(isPeerAllowed(filePeerAllowlist, HEALTH_CHECK_METHOD, 'gateway')).toBe(true);
  });

  it.each(REFUSED_PEERS.flatMap(({ label, peer }) => RPC_METHODS.map((method) => [label, method, peer] as const)))(
    'refuses %s calling %s',
    (_label, method, peer) => {
      expect(isPeerAllowed(filePeerAllowlist, method, peer)).toBe(false);
    },
  );

  it('refuses a caller without identity a health check', () => {
    expect(isPeerAllowed(filePeerAllowlist, HEALTH_CHECK_METHOD, undefined)).toBe(false);
  });

  it.each(ALL_SERVICES)('refuses %s a method the contract does not declare (deny by default)', (peer) => {
    expect(isPeerAllowed(filePeerAllowlist, '/coffer.file.v1.FileService/NotInTheContract', peer)).toBe(false);
  });
});
