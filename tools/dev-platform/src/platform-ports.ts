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
 * The ports of a platform on one machine: the defaults shifted by `offset`, so a test platform
 * can run beside a dev platform. The gateway serves no gRPC (port 0 stays 0).
 */
export function platformPorts(offset: number): PlatformPorts {
  if (!Number.isInteger(offset) || offset < 0 || DEFAULT_GATEWAY_HTTP_PORT + offset > 65535 || 50057 + offset > 65535) {
    throw new Error(`port offset ${offset} moves a port out of range`);
  }
  const services = Object.fromEntries(
    ALL_SERVICES.map((name) => {
      const defaults = defaultPorts[name];
      return [name, { grpc: defaults.grpc === 0 ? 0 : defaults.grpc + offset, ops: defaults.ops + offset }];
    }),
  ) as Record<ServiceName, ServicePorts>;
  const gatewayHttp = DEFAULT_GATEWAY_HTTP_PORT + offset;
  const blocked = [gatewayHttp, ...Object.values(services).map((ports) => ports.ops)].filter((port) => FETCH_BLOCKED_PORTS.has(port));
  if (blocked.length > 0) {
    throw new Error(`port offset ${offset} puts an HTTP port on ${blocked.join(', ')}, which fetch refuses to connect to (WHATWG "bad port"); pick another offset`);
  }
  return { services, gatewayHttp };
}

/** HTTP ports above 1024 that fetch (undici, browsers) refuses: https://fetch.spec.whatwg.org/#bad-port */
const FETCH_BLOCKED_PORTS: ReadonlySet<number> = new Set([
  1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);
