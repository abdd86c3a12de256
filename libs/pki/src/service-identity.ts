/** Trust domain of Coffer's internal identities (SPIFFE-style URIs in certificate SANs). */
export const TRUST_DOMAIN = 'coffer.internal';

/** The URI SAN that names a service: `spiffe://coffer.internal/service/<name>`. */
export function serviceIdentityUri(serviceName: string): string {
  return `spiffe://${TRUST_DOMAIN}/service/${serviceName}`;
}

/** The DNS SAN a service's server certificate carries and its clients verify: `<name>.coffer.internal`. */
export function serviceDnsName(serviceName: string): string {
  return `${serviceName}.${TRUST_DOMAIN}`;
}

const identityPattern = new RegExp(`^spiffe://${TRUST_DOMAIN.replaceAll('.', '\\.')}/service/([a-z][a-z0-9-]{0,62})$`);

/**
 * Reads the service name out of a certificate's subjectAltName string as Node prints it
 * (`DNS:a, URI:spiffe://coffer.internal/service/gateway, IP Address:127.0.0.1`).
 * Returns undefined unless exactly one Coffer service URI is present.
 */
export function serviceNameFromSubjectAltName(subjectAltName: string | undefined): string | undefined {
  if (!subjectAltName) return undefined;
  const names = subjectAltName
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.startsWith('URI:'))
    .map((entry) => identityPattern.exec(entry.slice('URI:'.length))?.[1])
    .filter((name): name is string => name !== undefined);
  return names.length === 1 ? names[0] : undefined;
}
