/** @coffer/pki: the platform CA and per-service certificates for internal mTLS. */
export {
  createCertificateAuthority,
  issueServiceCertificate,
  loadCertificateAuthority,
  type CertificateAuthority,
  type PemCertificate,
  type Validity,
} from './certificate-authority.js';
export { certificatePaths, ensureDevCertificates } from './dev-certificates.js';
export {
  TRUST_DOMAIN,
  serviceDnsName,
  serviceIdentityUri,
  serviceNameFromSubjectAltName,
} from './service-identity.js';
