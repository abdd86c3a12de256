import { fileV1 } from '@coffer/contracts';
import { loadServiceConfig, notImplementedService, runMain, startServiceRuntime } from '@coffer/platform';
import { filePeerAllowlist } from './peer-allowlist.js';

/**
 * Entry point of the file service. File service: object bytes, streamed in chunks, never buffered whole.
 *
 * Contract: proto/coffer/file/v1/file.proto (FileService). None of its RPCs is implemented
 * yet: each is registered through notImplementedService, so the peer allowlist still applies and
 * an allowed caller gets UNIMPLEMENTED for:
 *   - UploadFile (client stream)
 *   - DownloadFile (server stream)
 *   - DeleteFile
 */
runMain('file', async () => {
  const config = loadServiceConfig('file');
  const runtime = await startServiceRuntime({
    name: 'file',
    config,
    allowlist: filePeerAllowlist,
    // Pass implemented handlers as notImplementedService's second argument as they land; HealthService comes from the platform.
    grpcServices: () => [notImplementedService(fileV1.FileServiceService)],
  });
  runtime.installSignalHandlers();
});
