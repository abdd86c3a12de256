import { credentials, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateAuthority } from '@coffer/pki';
import { Readiness } from '../health/readiness.js';
import { healthServiceBinding } from '../health/health-service.js';
import { checkHealth, clientCredentialsFor, healthClient, issueMaterial, newCa, startTestServer, type TestServer } from './grpc-test.fixture.js';
import { mtlsChannel, type MtlsMaterial } from './mtls.js';
import { notImplementedService } from './not-implemented-service.js';
import { authV1 } from '@coffer/contracts';

/**
 * Real TLS handshakes against a real grpc-js server that requires client certificates and lets
 * only `gateway` call it.
 */
describe('mTLS between services', () => {
  let ca: CertificateAuthority;
  let serverMaterial: MtlsMaterial;
  let server: TestServer;

  beforeAll(async () => {
    ca = await newCa();
    serverMaterial = await issueMaterial(ca, 'auth');
    server = await startTestServer(serverMaterial, { defaultPeers: ['gateway'] }, (logger) => [
      healthServiceBinding('auth', 'test', new Readiness(), logger),
      notImplementedService(authV1.AuthServiceService),
    ]);
  });

  afterAll(async () => {
    await server.server.shutdown(1_000);
  });

  async function callWith(material: MtlsMaterial | 'no-certificate'): Promise<ServiceError | 'ok'> {
    const channelCredentials =
      material === 'no-certificate' ? credentials.createSsl(serverMaterial.caPem) : clientCredentialsFor(material);
    const client = healthClient(server.address, channelCredentials, 'auth');
    try {
      await checkHealth(client);
      return 'ok';
    } catch (error) {
      return error as ServiceError;
    } finally {
      client.close();
    }
  }

  it('refuses a client without a certificate', async () => {
    const result = await callWith('no-certificate');
    expect(result).not.toBe('ok');
    expect((result as ServiceError).code).toBe(GrpcStatus.UNAVAILABLE);
  });

  it('refuses a certificate from another CA', async () => {
    const otherCa = await newCa('another CA');
    const impostor = await issueMaterial(otherCa, 'gateway');
    // The impostor trusts our CA for the server, so only the client certificate is wrong.
    const result = await callWith({ ...impostor, caPem: serverMaterial.caPem });
    expect(result).not.toBe('ok');
    expect((result as ServiceError).code).toBe(GrpcStatus.UNAVAILABLE);
  });

  it('refuses an expired certificate', async () => {
    const expired = await issueMaterial(ca, 'gateway', {
      notBefore: new Date(Date.now() - 48 * 3_600_000),
      notAfter: new Date(Date.now() - 24 * 3_600_000),
    });
    const result = await callWith(expired);
    expect(result).not.toBe('ok');
    expect((result as ServiceError).code).toBe(GrpcStatus.UNAVAILABLE);
  });

  it('answers PERMISSION_DENIED to a valid peer that is not on the allowlist', async () => {
    const file = await issueMaterial(ca, 'file');
    const result = await callWith(file);
    expect(result).not.toBe('ok');
    expect((result as ServiceError).code).toBe(GrpcStatus.PERMISSION_DENIED);
    expect((result as ServiceError).details).toContain('peer file may not call /coffer.health.v1.HealthService/Check');
    const denied = await server.registry.getSingleMetricAsString('grpc_server_peer_denied_total');
    expect(denied).toMatch(/grpc_server_peer_denied_total\{[^}]*grpc_method="Check"[^}]*\} 1/);
  });

  it('serves an allowed peer', async () => {
    const gateway = await issueMaterial(ca, 'gateway');
    expect(await callWith(gateway)).toBe('ok');
  });

  it('a client refuses a server whose certificate names another service', async () => {
    const gateway = await issueMaterial(ca, 'gateway');
    // The server is `auth`; this client expects `metadata`.
    const channel = mtlsChannel(gateway, 'metadata');
    const client = healthClient(server.address, channel.credentials, 'metadata');
    await expect(checkHealth(client)).rejects.toMatchObject({ code: GrpcStatus.UNAVAILABLE });
    client.close();
  });

  it('a client built with mtlsChannel reaches the right server', async () => {
    const gateway = await issueMaterial(ca, 'gateway');
    const channel = mtlsChannel(gateway, 'auth');
    const client = healthClient(server.address, channel.credentials, 'auth');
    await expect(checkHealth(client)).resolves.toMatchObject({ service: 'auth' });
    client.close();
  });

  it('checks the allowlist before answering UNIMPLEMENTED for an RPC not built yet', async () => {
    const login = (material: MtlsMaterial) =>
      new Promise<ServiceError | null>((resolve) => {
        const client = new authV1.AuthServiceClient(server.address, clientCredentialsFor(material), {
          'grpc.ssl_target_name_override': 'auth.coffer.internal',
        });
        client.login({ email: 'a@example.com', password: 'x', clientIp: '', userAgent: '' }, (error) => {
          client.close();
          resolve(error);
        });
      });
    expect((await login(await issueMaterial(ca, 'gateway')))?.code).toBe(GrpcStatus.UNIMPLEMENTED);
    expect((await login(await issueMaterial(ca, 'webhook')))?.code).toBe(GrpcStatus.PERMISSION_DENIED);
  });
});
