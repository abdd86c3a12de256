import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { createCertificateAuthority, issueServiceCertificate, loadCertificateAuthority } from './certificate-authority.js';

/** File names inside a certificate folder: `ca.crt`, `<service>.crt`, `<service>.key`. */
export function certificatePaths(dir: string, serviceName: string): { ca: string; cert: string; key: string } {
  return { ca: join(dir, 'ca.crt'), cert: join(dir, `${serviceName}.crt`), key: join(dir, `${serviceName}.key`) };
}

function expiresWithin(pem: string, ms: number): boolean {
  return new Date(new X509Certificate(pem).validTo).getTime() - Date.now() < ms;
}

/**
 * Makes sure `dir` holds a development CA and one certificate per service. Idempotent: keeps
 * what is there unless a certificate expires within 30 days or the CA changed. The CA's private
 * key is written too (dev only) so that new services can be added later.
 */
export async function ensureDevCertificates(dir: string, serviceNames: readonly string[]): Promise<string[]> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const caCertPath = join(dir, 'ca.crt');
  const caKeyPath = join(dir, 'ca.key');
  const written: string[] = [];
  const soon = 30 * 24 * 60 * 60 * 1000;
  let caReplaced = false;
  if (!existsSync(caCertPath) || !existsSync(caKeyPath) || expiresWithin(await readFile(caCertPath, 'utf8'), soon)) {
    const ca = await createCertificateAuthority('Coffer development CA');
    await writeFile(caCertPath, ca.certPem);
    await writeFile(caKeyPath, ca.keyPem, { mode: 0o600 });
    written.push(caCertPath);
    caReplaced = true;
  }
  const ca = await loadCertificateAuthority(await readFile(caCertPath, 'utf8'), await readFile(caKeyPath, 'utf8'));
  for (const name of serviceNames) {
    const paths = certificatePaths(dir, name);
    const fresh =
      !caReplaced &&
      existsSync(paths.cert) &&
      existsSync(paths.key) &&
      !expiresWithin(await readFile(paths.cert, 'utf8'), soon);
    if (fresh) continue;
    const issued = await issueServiceCertificate(ca, name);
    await writeFile(paths.cert, issued.certPem);
    await writeFile(paths.key, issued.keyPem, { mode: 0o600 });
    written.push(paths.cert);
  }
  return written;
}
