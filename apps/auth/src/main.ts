import { loadServiceConfig, runMain, startServiceRuntime } from '@coffer/platform';
import { authPeerAllowlist } from './peer-allowlist.js';

/**
 * Entry point of the auth service. The AuthService RPCs (proto/coffer/auth/v1/auth.proto)
 * are not implemented yet (Identity issue); until then the server serves HealthService only,
 * and calls to AuthService answer UNIMPLEMENTED.
 */
runMain('auth', async () => {
  const config = loadServiceConfig('auth');
  const runtime = await startServiceRuntime({
    name: 'auth',
    config,
    allowlist: authPeerAllowlist,
    grpcServices: () => [],
  });
  runtime.installSignalHandlers();
});
