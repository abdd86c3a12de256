import { Server, type ServerCredentials, type ServerInterceptor } from '@grpc/grpc-js';
import type { ServiceBinding } from './handlers.js';

export interface GrpcServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  credentials: ServerCredentials;
  interceptors: ServerInterceptor[];
  services: ServiceBinding[];
}

export interface RunningGrpcServer {
  /** The bound port. */
  port: number;
  /** Stops accepting calls, waits up to `graceMs` for in-flight calls, then cancels the rest. */
  shutdown(graceMs: number): Promise<void>;
}

/** Binds a gRPC server with the given services; the interceptors run on every call. */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const server = new Server({ interceptors: options.interceptors, 'grpc.max_receive_message_length': 8 * 1024 * 1024 });
  for (const binding of options.services) server.addService(binding.definition, binding.implementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${options.host}:${options.port}`, options.credentials, (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    );
  });
  return {
    port,
    shutdown: (graceMs) =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        force.unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
