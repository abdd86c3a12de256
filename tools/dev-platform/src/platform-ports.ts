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
  return { services, gatewayHttp: DEFAULT_GATEWAY_HTTP_PORT + offset };
}
