import { authV1 } from '@coffer/contracts';
import { loadServiceConfig, notImplementedService, runMain, startServiceRuntime } from '@coffer/platform';
import { authPeerAllowlist } from './peer-allowlist.js';

/**
 * Entry point of the auth service. Auth service: credentials, access JWTs, rotating refresh tokens, sessions.
 *
 * Contract: proto/coffer/auth/v1/auth.proto (AuthService). None of its RPCs is implemented
 * yet: each is registered through notImplementedService, so the peer allowlist still applies and
 * an allowed caller gets UNIMPLEMENTED for:
 *   - Register
 *   - Login
 *   - Refresh
 *   - Logout
 *   - RevokeAllSessions
 *   - CheckSession
 *   - GetJwks
 *   - ChangePassword
 *   - ListSessions
 */
runMain('auth', async () => {
  const config = loadServiceConfig('auth');
  const runtime = await startServiceRuntime({
    name: 'auth',
    config,
    allowlist: authPeerAllowlist,
    // Pass implemented handlers as notImplementedService's second argument as they land; HealthService comes from the platform.
    grpcServices: () => [notImplementedService(authV1.AuthServiceService)],
  });
  runtime.installSignalHandlers();
});
