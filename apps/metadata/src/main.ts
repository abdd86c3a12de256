import { metadataV1 } from '@coffer/contracts';
import { loadServiceConfig, notImplementedService, runMain, startServiceRuntime } from '@coffer/platform';
import { metadataPeerAllowlist } from './peer-allowlist.js';

/**
 * Entry point of the metadata service. Metadata service: file records, created, read, listed, updated and deleted.
 *
 * Contract: proto/coffer/metadata/v1/metadata.proto (MetadataService). None of its RPCs is implemented
 * yet: each is registered through notImplementedService, so the peer allowlist still applies and
 * an allowed caller gets UNIMPLEMENTED for:
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
    // Pass implemented handlers as notImplementedService's second argument as they land; HealthService comes from the platform.
    grpcServices: () => [notImplementedService(metadataV1.MetadataServiceService)],
  });
  runtime.installSignalHandlers();
});
