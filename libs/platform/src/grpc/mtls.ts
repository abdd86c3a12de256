import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { credentials, ServerCredentials, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import { serviceDnsName, serviceNameFromSubjectAltName } from '@coffer/pki';

/** PEM material for one service: the platform CA, its certificate and its private key. */
export interface MtlsMaterial {
  caPem: Buffer;
  certPem: Buffer;
  keyPem: Buffer;
}

export interface MtlsPaths {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** Reads certificate files once at start-up; fails with the path that is missing or expired. */
export function loadMtlsMaterial(paths: MtlsPaths): MtlsMaterial {
  const read = (path: string, what: string): Buffer => {
    try {
      return readFileSync(path);
    } catch {
      throw new Error(`mTLS: cannot read ${what} at ${path} (run \`make certs\` to create development certificates)`);
    }
  };
  const material = { caPem: read(paths.caFile, 'CA certificate'), certPem: read(paths.certFile, 'certificate'), keyPem: read(paths.keyFile, 'private key') };
  const validTo = new Date(new X509Certificate(material.certPem).validTo);
  if (validTo.getTime() < Date.now()) throw new Error(`mTLS: certificate ${paths.certFile} expired at ${validTo.toISOString()}`);
  return material;
}

/**
 * Server credentials that REQUIRE a client certificate signed by the platform CA
 * (grpc-js does not check client certificates unless told to).
 */
export function mtlsServerCredentials(material: MtlsMaterial): ServerCredentials {
  return ServerCredentials.createSsl(material.caPem, [{ cert_chain: material.certPem, private_key: material.keyPem }], true);
}

/** HTTP/2 receive window of Coffer's gRPC clients, per stream and per connection. */
export const CLIENT_STREAM_WINDOW_BYTES = 1024 * 1024;

export interface MtlsChannel {
  credentials: ChannelCredentials;
  options: ChannelOptions;
}

/** First delay before dialling a lost peer again (grpc-js default 1 s). */
export const RECONNECT_BACKOFF_INITIAL_MS = 500;
/** Longest delay between dials of a lost peer (grpc-js default 120 s). */
export const RECONNECT_BACKOFF_MAX_MS = 5_000;

/**
 * Client credentials that present this service's certificate and accept the server only if
 * its certificate is signed by the platform CA and names `targetService`, both as DNS SAN
 * (`<name>.coffer.internal`, checked by TLS hostname verification) and as Coffer identity URI.
 */
export function mtlsChannel(material: MtlsMaterial, targetService: string): MtlsChannel {
  const expectedHost = serviceDnsName(targetService);
  return {
    credentials: credentials.createSsl(material.caPem, material.keyPem, material.certPem, {
      checkServerIdentity: (hostname: string, cert: PeerCertificate) => {
        const hostError = checkServerIdentity(hostname, cert);
        if (hostError) return hostError;
        const identity = serviceNameFromSubjectAltName(cert.subjectaltname);
        return identity === targetService
          ? undefined
          : new Error(`mTLS: server identity ${identity ?? '(none)'} is not ${targetService}`);
      },
    }),
    options: {
      'grpc.ssl_target_name_override': expectedHost,
      'grpc.default_authority': expectedHost,
      // The receive window per stream (HTTP/2 defaults to 64 KiB): a download relayed through the
      // gateway otherwise stalls on a WINDOW_UPDATE round trip every 64 KiB. 1 MiB bounds what a
      // slow HTTP client can make the gateway hold per download (grpc-js has no server option).
      'grpc-node.flow_control_window': CLIENT_STREAM_WINDOW_BYTES,
      // A peer that went away (restarted, rescheduled) is dialled again within 5 s of coming
      // back: grpc-js's default backoff grows to 120 s, and the fault-injection runs saw the
      // gateway answer 503 for a restarted file service long after it was ready again.
      'grpc.initial_reconnect_backoff_ms': RECONNECT_BACKOFF_INITIAL_MS,
      'grpc.max_reconnect_backoff_ms': RECONNECT_BACKOFF_MAX_MS,
    },
  };
}
