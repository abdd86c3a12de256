/**
 * Which mTLS peers (service names from their certificates) may call which RPCs of a server.
 * Deny by default: a method is open only to the peers that `methods[path]` names, or, when the
 * method is not listed, to the peers of `defaultPeers`. An empty list refuses everyone.
 */
export interface PeerAllowlist {
  readonly defaultPeers: readonly string[];
  /** Keyed by full method path, e.g. `/coffer.auth.v1.AuthService/Login`. */
  readonly methods?: Readonly<Record<string, readonly string[]>>;
}

export function isPeerAllowed(allowlist: PeerAllowlist, methodPath: string, peer: string | undefined): boolean {
  if (peer === undefined) return false;
  const peers = allowlist.methods && Object.hasOwn(allowlist.methods, methodPath) ? allowlist.methods[methodPath] : allowlist.defaultPeers;
  return peers?.includes(peer) ?? false;
}

/** Every Coffer server lets the gateway check its health (for GET /v1/health). */
export const HEALTH_CHECK_METHOD = '/coffer.health.v1.HealthService/Check';
