import { HEALTH_CHECK_METHOD, type PeerAllowlist } from '@coffer/platform';

/**
 * Who may call the metadata service over mTLS (a peer is the service name in its certificate).
 * Every RPC of proto/coffer/metadata/v1/metadata.proto is open to gateway, file and policy; HealthService Check is
 * open to the gateway, which aggregates health for GET /v1/health. Deny by default: a method not
 * listed here, such as an RPC added to the contract later, is refused to everyone until it is
 * listed. Narrow a method's callers here when one of them should not call it.
 */
export const metadataPeerAllowlist: PeerAllowlist = {
  defaultPeers: [],
  methods: {
    [HEALTH_CHECK_METHOD]: ['gateway'],
    '/coffer.metadata.v1.MetadataService/CreateFile': ['gateway', 'file', 'policy'],
    '/coffer.metadata.v1.MetadataService/GetFile': ['gateway', 'file', 'policy'],
    '/coffer.metadata.v1.MetadataService/ListFiles': ['gateway', 'file', 'policy'],
    '/coffer.metadata.v1.MetadataService/UpdateFile': ['gateway', 'file', 'policy'],
    '/coffer.metadata.v1.MetadataService/DeleteFile': ['gateway', 'file', 'policy'],
  },
};
