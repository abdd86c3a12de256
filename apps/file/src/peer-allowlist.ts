import { HEALTH_CHECK_METHOD, type PeerAllowlist } from '@coffer/platform';

/**
 * Who may call the file service over mTLS (a peer is the service name in its certificate).
 * Every RPC of proto/coffer/file/v1/file.proto is open to gateway; HealthService Check is
 * open to the gateway, which aggregates health for GET /v1/health. Deny by default: a method not
 * listed here, such as an RPC added to the contract later, is refused to everyone until it is
 * listed. Narrow a method's callers here when one of them should not call it.
 */
export const filePeerAllowlist: PeerAllowlist = {
  defaultPeers: [],
  methods: {
    [HEALTH_CHECK_METHOD]: ['gateway'],
    '/coffer.file.v1.FileService/UploadFile': ['gateway'],
    '/coffer.file.v1.FileService/DownloadFile': ['gateway'],
    '/coffer.file.v1.FileService/DeleteFile': ['gateway'],
  },
};
