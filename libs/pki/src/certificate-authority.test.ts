import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueServiceCertificate, loadCertificateAuthority } from './certificate-authority.js';
import { serviceNameFromSubjectAltName } from './service-identity.js';

describe('certificate authority', () => {
  it('issues a service certificate signed by the CA that names the service', async () => {
    const ca = await createCertificateAuthority('test CA');
    const issued = await issueServiceCertificate(ca, 'gateway');
    const cert = new X509Certificate(issued.certPem);
    const caCert = new X509Certificate(ca.certPem);

    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(serviceNameFromSubjectAltName(cert.subjectAltName)).toBe('gateway');
    expect(cert.subjectAltName).toContain('DNS:gateway.coffer.internal');
    expect(cert.ca).toBe(false);
    expect(caCert.ca).toBe(true);
  });

  it('a certificate from another CA does not verify against ours', async () => {
    const ours = await createCertificateAuthority('ours');
    const theirs = await createCertificateAuthority('theirs');
    const issued = await issueServiceCertificate(theirs, 'gateway');
    expect(new X509Certificate(issued.certPem).verify(new X509Certificate(ours.certPem).publicKey)).toBe(false);
  });

  it('honours an explicit validity window', async () => {
    const ca = await createCertificateAuthority('test CA');
    const notAfter = new Date(Date.now() - 60_000);
    const issued = await issueServiceCertificate(ca, 'file', { notBefore: new Date(Date.now() - 3_600_000), notAfter });
    expect(new Date(new X509Certificate(issued.certPem).validTo).getTime()).toBeLessThan(Date.now());
  });

  it('reloads a CA from PEM and keeps signing with it', async () => {
    const ca = await createCertificateAuthority('test CA');
    const reloaded = await loadCertificateAuthority(ca.certPem, ca.keyPem);
    const issued = await issueServiceCertificate(reloaded, 'user');
    expect(new X509Certificate(issued.certPem).verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
  });
});

describe('serviceNameFromSubjectAltName', () => {
  it('accepts exactly one coffer service URI', () => {
    expect(serviceNameFromSubjectAltName('DNS:x, URI:spiffe://coffer.internal/service/auth')).toBe('auth');
  });
  it.each([
    [undefined],
    [''],
    ['DNS:auth.coffer.internal'],
    ['URI:spiffe://evil.example/service/auth'],
    ['URI:spiffe://coffer.internal/service/auth, URI:spiffe://coffer.internal/service/gateway'],
    ['URI:spiffe://coffer.internal/service/Auth'],
    ['URI:spiffe://coffer.internal/service/auth/extra'],
  ])('rejects %j', (san) => {
    expect(serviceNameFromSubjectAltName(san)).toBeUndefined();
  });
});
