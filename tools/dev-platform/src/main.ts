import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDevCertificates } from '@coffer/pki';
import { ALL_SERVICES } from '@coffer/platform';
import { launchPlatform } from './launch-platform.js';

/**
 * `make dev`: creates development certificates if needed, starts all eight services on
 * embedded defaults, waits until GET /v1/health is 200, and stops everything on Ctrl-C.
 */
const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const certDir = join(rootDir, '.coffer', 'certs');

const written = await ensureDevCertificates(certDir, ALL_SERVICES);
if (written.length > 0) process.stderr.write(`dev-platform: wrote ${written.length} development certificates to ${certDir}\n`);

const platform = launchPlatform({
  rootDir,
  certDir,
  dataDir: join(rootDir, '.coffer', 'data'),
  onUnexpectedExit: (service, code, signal) => {
    process.stderr.write(`dev-platform: ${service} exited (code ${code}, signal ${signal}); stopping the platform\n`);
    void platform.stop().then(() => process.exit(1));
  },
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`dev-platform: ${signal}, stopping all services\n`);
    void platform.stop().then((codes) => {
      process.stderr.write(`dev-platform: stopped ${JSON.stringify(codes)}\n`);
      process.exit(0);
    });
  });
}
try {
  await platform.waitUntilHealthy(60_000);
  process.stderr.write(
    `\nCoffer is running on embedded defaults.\n  REST API:  ${platform.gatewayUrl}  (try: curl ${platform.gatewayUrl}/v1/health)\n` +
      `  metrics:   ${ALL_SERVICES.map((name) => `${name} http://127.0.0.1:${platform.ports[name].ops}/metrics`).join('\n             ')}\n` +
      `Press Ctrl-C to stop.\n\n`,
  );
} catch (error) {
  process.stderr.write(`dev-platform: ${(error as Error).message}\n`);
  await platform.stop();
  process.exit(1);
}
