/**
 * The gRPC baseline's server, in its own process as the auth service is: a bare @grpc/grpc-js
 * server implementing only AuthService.GetJwks with a fixed answer (the platform's real JWKS,
 * passed in), no interceptors, no readiness, no logging. It listens twice on 127.0.0.1: without
 * TLS, and with mTLS using the auth service's certificate (client certificate required), so the
 * cost of TLS and the cost of the platform's server stack can be told apart.
 *
 * argv: <certDir> <jwksJson>. IPC: sends `{ kind: 'ready', insecurePort, mtlsPort }`.
 */
import { join } from 'node:path';
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { authV1 } from '@coffer/contracts';
import { loadMtlsMaterial, mtlsServerCredentials } from '@coffer/platform';

const [certDir = '', jwksJson = '{}'] = process.argv.slice(2);

async function listen(server: Server, credentials: ServerCredentials): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', credentials, (error, port) => (error ? reject(error) : resolve(port)));
  });
}

async function main(): Promise<void> {
  const implementation = {
    getJwks: (_call: ServerUnaryCall<authV1.GetJwksRequest, authV1.GetJwksResponse>, callback: sendUnaryData<authV1.GetJwksResponse>) => callback(null, { jwksJson }),
  };
  const insecure = new Server();
  insecure.addService(authV1.AuthServiceService, implementation);
  const secure = new Server();
  secure.addService(authV1.AuthServiceService, implementation);
  const material = loadMtlsMaterial({ caFile: join(certDir, 'ca.crt'), certFile: join(certDir, 'auth.crt'), keyFile: join(certDir, 'auth.key') });
  const insecurePort = await listen(insecure, ServerCredentials.createInsecure());
  const mtlsPort = await listen(secure, mtlsServerCredentials(material));
  process.on('disconnect', () => {
    insecure.forceShutdown();
    secure.forceShutdown();
    process.exit(0);
  });
  process.send?.({ kind: 'ready', insecurePort, mtlsPort });
}

main().catch((error: unknown) => {
  process.stderr.write(`bare gRPC server: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
