import { loadServiceConfig, runMain, startServiceRuntime } from '@coffer/platform';
import { filePeerAllowlist } from './peer-allowlist.js';

/**
 * Entry point of the file service. File service: object bytes, streamed in chunks, never buffered whole.
 *
 * Contract: proto/coffer/file/v1/file.proto (FileService). None of its RPCs is implemented
 * yet, so the server serves only the HealthService the platform adds, and a call to any of these
 * answers UNIMPLEMENTED:
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
    // Register the FileService handlers here as they are implemented; HealthService comes from the platform.
    grpcServices: () => [],
  });
  runtime.installSignalHandlers();
});
