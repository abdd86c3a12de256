// @peculiar/x509 resolves its ASN.1 providers through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
import * as x509 from '@peculiar/x509';
import { serviceDnsName, serviceIdentityUri } from './service-identity.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const keyAlgorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;
const dayMs = 24 * 60 * 60 * 1000;

/** A certificate and its private key, both PEM. */
export interface PemCertificate {
  certPem: string;
  keyPem: string;
}

/** A CA that can sign certificates. */
export interface CertificateAuthority extends PemCertificate {
  certificate: x509.X509Certificate;
  privateKey: CryptoKey;
}

/** Validity window; defaults to starting an hour ago (clock skew) for `validDays` days. */
export interface Validity {
  notBefore?: Date;
  notAfter?: Date;
  validDays?: number;
}

function window(validity: Validity): { notBefore: Date; notAfter: Date } {
  const notBefore = validity.notBefore ?? new Date(Date.now() - 60 * 60 * 1000);
  const notAfter = validity.notAfter ?? new Date(notBefore.getTime() + (validity.validDays ?? 365) * dayMs);
  return { notBefore, notAfter };
}

function serialNumber(): string {
  // Positive 128-bit serial (first byte < 0x80).
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

/** Creates a self-signed CA certificate (ECDSA P-256). */
export async function createCertificateAuthority(
  commonName: string,
  validity: Validity = { validDays: 3650 },
): Promise<CertificateAuthority> {
  const keys = await webcrypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify']);
  const { notBefore, notAfter } = window(validity);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=${commonName}`,
    notBefore,
    notAfter,
    keys,
    signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    certificate,
    privateKey: keys.privateKey,
    certPem: certificate.toString('pem'),
    keyPem: await exportKeyPem(keys.privateKey),
  };
}

/** Loads a CA from its PEM certificate and PKCS#8 private key. */
export async function loadCertificateAuthority(certPem: string, keyPem: string): Promise<CertificateAuthority> {
  const certificate = new x509.X509Certificate(certPem);
  const privateKey = await webcrypto.subtle.importKey(
    'pkcs8',
    x509.PemConverter.decodeFirst(keyPem),
    keyAlgorithm,
    true,
    ['sign'],
  );
  return { certificate, privateKey, certPem, keyPem };
}

/**
 * Issues a certificate for one Coffer service, usable as both TLS server and client
 * certificate. Its identity is the URI SAN `spiffe://coffer.internal/service/<name>`; it also
 * carries the DNS names `<name>.coffer.internal` and `localhost` and the IP 127.0.0.1.
 */
export async function issueServiceCertificate(
  ca: CertificateAuthority,
  serviceName: string,
  validity: Validity = { validDays: 365 },
): Promise<PemCertificate> {
  const keys = await webcrypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify']);
  const { notBefore, notAfter } = window(validity);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${serviceName}`,
    issuer: ca.certificate.subject,
    notBefore,
    notAfter,
    signingKey: ca.privateKey,
    publicKey: keys.publicKey,
    signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'url', value: serviceIdentityUri(serviceName) },
        { type: 'dns', value: serviceDnsName(serviceName) },
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.certificate),
    ],
  });
  return { certPem: certificate.toString('pem'), keyPem: await exportKeyPem(keys.privateKey) };
}
