import { describe, expect, it } from 'vitest';
import { isPeerAllowed } from '@coffer/platform';
import { authPeerAllowlist } from './peer-allowlist.js';

describe('auth peer allowlist', () => {
  it.each(['/coffer.auth.v1.AuthService/Login', '/coffer.auth.v1.AuthService/Refresh', '/coffer.health.v1.HealthService/Check'])(
    'lets the gateway call %s',
    (method) => expect(isPeerAllowed(authPeerAllowlist, method, 'gateway')).toBe(true),
  );

  it.each(['user', 'file', 'metadata', 'policy', 'audit', 'webhook', 'auth'])('refuses %s calling Login', (peer) => {
    expect(isPeerAllowed(authPeerAllowlist, '/coffer.auth.v1.AuthService/Login', peer)).toBe(false);
  });

  it('refuses a caller without an identity', () => {
    expect(isPeerAllowed(authPeerAllowlist, '/coffer.auth.v1.AuthService/Refresh', undefined)).toBe(false);
  });
});
