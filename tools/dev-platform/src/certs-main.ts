import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDevCertificates } from '@coffer/pki';
import { ALL_SERVICES } from '@coffer/platform';

/** `make certs`: the development CA and one certificate per service in .coffer/certs (or argv[2]). */
const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const certDir = resolve(process.argv[2] ?? join(rootDir, '.coffer', 'certs'));
const written = await ensureDevCertificates(certDir, ALL_SERVICES);
process.stdout.write(written.length > 0 ? `wrote ${written.join(', ')}\n` : `certificates in ${certDir} are current\n`);
