import { fileV1 } from '@coffer/contracts';
import { HEALTH_CHECK_METHOD, type PeerAllowlist } from '@coffer/platform';

/** Every RPC path of proto/coffer/file/v1/file.proto, from the generated service definition. */
export const FILE_RPC_METHODS: readonly string[] = Object.values(fileV1.FileServiceService).map((method) => method.path);

/**
 * Who may call the file service over mTLS (a peer is the service name in its certificate).
 * Every RPC of proto/coffer/file/v1/file.proto is open to the gateway only; HealthService Check
 * is open to the gateway, which aggregates health for GET /v1/health. Deny by default: a method
 * not listed here is refused to everyone.
 */
export const filePeerAllowlist: PeerAllowlist = {
  defaultPeers: [],
  methods: {
    [HEALTH_CHECK_METHOD]: ['gateway'],
    ...Object.fromEntries(FILE_RPC_METHODS.map((method) => [method, ['gateway']])),
  },
};
