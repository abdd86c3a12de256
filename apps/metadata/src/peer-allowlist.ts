import { HEALTH_CHECK_METHOD, type PeerAllowlist } from '@coffer/platform';

const SERVICE = '/coffer.metadata.v1.MetadataService';

/** Every RPC of proto/coffer/metadata/v1/metadata.proto. */
export const METADATA_RPCS = [
  'CreateFile',
  'GetFile',
  'ListFiles',
  'UpdateFile',
  'DeleteFile',
  'RestoreFile',
  'ListVersions',
  'GetUsage',
  'QuarantineFile',
  'FindUnreferencedKeys',
  'ScanVersions',
] as const;

/**
 * Who may call the metadata service over mTLS (a peer is the service name in its certificate).
 * Only the file service calls MetadataService: it authorizes every request (policy service)
 * before it gets here, and this service trusts the actor it is given, so no other peer may
 * reach the data directly. HealthService Check is open to the gateway, which aggregates health
 * for GET /v1/health. Deny by default: a method not listed here, such as an RPC added to the
 * contract later, is refused to everyone until it is listed.
 */
export const metadataPeerAllowlist: PeerAllowlist = {
  defaultPeers: [],
  methods: {
    [HEALTH_CHECK_METHOD]: ['gateway'],
    ...Object.fromEntries(METADATA_RPCS.map((rpc) => [`${SERVICE}/${rpc}`, ['file']])),
  },
};
