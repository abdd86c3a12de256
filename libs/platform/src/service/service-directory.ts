/** The services that serve gRPC inside the platform. */
export const GRPC_SERVICES = ['auth', 'user', 'file', 'metadata', 'policy', 'audit', 'webhook'] as const;
export type GrpcServiceName = (typeof GRPC_SERVICES)[number];

/** Every deployable service: the gRPC services plus the REST gateway. */
export const ALL_SERVICES = ['gateway', ...GRPC_SERVICES] as const;
export type ServiceName = (typeof ALL_SERVICES)[number];

/**
 * Default loopback ports for a single-machine platform (`make dev`). Production deployments set
 * COFFER_GRPC_PORT / COFFER_OPS_PORT / COFFER_HTTP_PORT and the COFFER_PEER_<NAME>_ADDR addresses.
 */
export const defaultPorts: Readonly<Record<ServiceName, { grpc: number; ops: number }>> = Object.freeze({
  gateway: { grpc: 0, ops: 9100 },
  auth: { grpc: 50051, ops: 9101 },
  user: { grpc: 50052, ops: 9102 },
  file: { grpc: 50053, ops: 9103 },
  metadata: { grpc: 50054, ops: 9104 },
  policy: { grpc: 50055, ops: 9105 },
  audit: { grpc: 50056, ops: 9106 },
  webhook: { grpc: 50057, ops: 9107 },
});

/** The gateway's public REST port. */
export const DEFAULT_GATEWAY_HTTP_PORT = 8080;

export function peerAddressKey(name: GrpcServiceName): `COFFER_PEER_${Uppercase<GrpcServiceName>}_ADDR` {
  return `COFFER_PEER_${name.toUpperCase() as Uppercase<GrpcServiceName>}_ADDR`;
}
