import { loadServiceConfig, runMain, startServiceRuntime } from '@coffer/platform';
import { metadataPeerAllowlist } from './peer-allowlist.js';

/**
 * Entry point of the metadata service. Metadata service: file records, created, read, listed, updated and deleted.
 *
 * Contract: proto/coffer/metadata/v1/metadata.proto (MetadataService). None of its RPCs is implemented
 * yet, so the server serves only the HealthService the platform adds, and a call to any of these
 * answers UNIMPLEMENTED:
 *   - CreateFile
 *   - GetFile
 *   - ListFiles
 *   - UpdateFile
 *   - DeleteFile
 */
runMain('metadata', async () => {
  const config = loadServiceConfig('metadata');
  const runtime = await startServiceRuntime({
    name: 'metadata',
    config,
    allowlist: metadataPeerAllowlist,
    // Register the MetadataService handlers here as they are implemented; HealthService comes from the platform.
    grpcServices: () => [],
  });
  runtime.installSignalHandlers();
});
