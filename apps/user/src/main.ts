import { userV1 } from '@coffer/contracts';
import { loadServiceConfig, notImplementedService, runMain, startServiceRuntime } from '@coffer/platform';
import { userPeerAllowlist } from './peer-allowlist.js';

/**
 * Entry point of the user service. User service: profiles (display name, email), email unique case-insensitively.
 *
 * Contract: proto/coffer/user/v1/user.proto (UserService). None of its RPCs is implemented
 * yet: each is registered through notImplementedService, so the peer allowlist still applies and
 * an allowed caller gets UNIMPLEMENTED for:
 *   - CreateUser
 *   - GetUser
 *   - GetUserByEmail
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
    // Pass implemented handlers as notImplementedService's second argument as they land; HealthService comes from the platform.
    grpcServices: () => [notImplementedService(userV1.UserServiceService)],
  });
  runtime.installSignalHandlers();
});
