import { loadServiceConfig, runMain, startServiceRuntime } from '@coffer/platform';
import { userPeerAllowlist } from './peer-allowlist.js';

/**
 * Entry point of the user service. User service: profiles (display name, email), email unique case-insensitively.
 *
 * Contract: proto/coffer/user/v1/user.proto (UserService). None of its RPCs is implemented
 * yet, so the server serves only the HealthService the platform adds, and a call to any of these
 * answers UNIMPLEMENTED:
 *   - CreateUser
 *   - GetUser
 *   - UpdateUser
 *   - DeleteUser
 *   - ListUsers
 */
runMain('user', async () => {
  const config = loadServiceConfig('user');
  const runtime = await startServiceRuntime({
    name: 'user',
    config,
    allowlist: userPeerAllowlist,
    // Register the UserService handlers here as they are implemented; HealthService comes from the platform.
    grpcServices: () => [],
  });
  runtime.installSignalHandlers();
});
