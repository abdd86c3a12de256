import type { PeerAllowlist } from '@coffer/platform';

/** The gateway serves no gRPC; nobody may call it over the internal network. */
export const gatewayPeerAllowlist: PeerAllowlist = { defaultPeers: [] };
