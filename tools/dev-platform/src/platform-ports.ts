import { ALL_SERVICES, DEFAULT_GATEWAY_HTTP_PORT, defaultPorts, type ServiceName } from '@coffer/platform';

export interface ServicePorts {
  grpc: number;
  ops: number;
}

export interface PlatformPorts {
  services: Readonly<Record<ServiceName, ServicePorts>>;
  gatewayHttp: number;
}

/**
 * The ports of a platform on one machine: with offset 0 the defaults; otherwise the gateway and
 * ops ports shifted by `offset`, so a test platform can run beside a dev platform. The gateway
 * serves no gRPC (port 0 stays 0).
 *
 * A shifted platform's gRPC ports are NOT the defaults (50051…) plus the offset: those lie in
 * Linux's ephemeral range (32768–60999), where any outgoing connection of the machine (Kafka,
 * Redis, PostgreSQL clients…) may be holding the port when the service binds it — the service
 * then exits with EADDRINUSE. They are {@link SHIFTED_GRPC_BASE} + offset/100 × 10 + the
 * service's index, below that range; so offsets are whole hundreds.
 */
export function platformPorts(offset: number): PlatformPorts {
  if (!Number.isInteger(offset) || offset < 0 || offset > MAX_OFFSET) {
    throw new Error(`port offset ${offset} moves a port out of range (0 to ${MAX_OFFSET})`);
  }
  if (offset % 100 !== 0) throw new Error(`port offset ${offset} must be a whole hundred (gRPC ports are spaced by offset/100)`);
  const services = Object.fromEntries(
    ALL_SERVICES.map((name) => {
      const defaults = defaultPorts[name];
      const grpc = defaults.grpc === 0 ? 0 : offset === 0 ? defaults.grpc : SHIFTED_GRPC_BASE + (offset / 100) * 10 + (defaults.grpc - FIRST_DEFAULT_GRPC_PORT);
      return [name, { grpc, ops: defaults.ops + offset }];
    }),
  ) as Record<ServiceName, ServicePorts>;
  const gatewayHttp = DEFAULT_GATEWAY_HTTP_PORT + offset;
  const blocked = [gatewayHttp, ...Object.values(services).map((ports) => ports.ops)].filter((port) => FETCH_BLOCKED_PORTS.has(port));
  if (blocked.length > 0) {
    throw new Error(`port offset ${offset} puts an HTTP port on ${blocked.join(', ')}, which fetch refuses to connect to (WHATWG "bad port"); pick another offset`);
  }
  return { services, gatewayHttp };
}

/** The lowest default gRPC port (auth, 50051); each service keeps its distance from it. */
const FIRST_DEFAULT_GRPC_PORT = 50051;
/** Shifted gRPC ports start here: above every shifted ops port (9100 + offset ≤ 24507), below 32768. */
const SHIFTED_GRPC_BASE = 25_000;
/** Keeps gRPC ports (≤ 25000 + 1540 + 6) and ops ports below the ephemeral range. */
const MAX_OFFSET = 15_400;

/** HTTP ports above 1024 that fetch (undici, browsers) refuses: https://fetch.spec.whatwg.org/#bad-port */
const FETCH_BLOCKED_PORTS: ReadonlySet<number> = new Set([
  1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);
