import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_SESSIONS_PER_USER } from '@coffer/session-store';
import { loadAuthConfig } from './auth-config.js';

describe('loadAuthConfig', () => {
  it('caps live sessions per user at the session store default unless COFFER_MAX_SESSIONS_PER_USER says otherwise', () => {
    expect(loadAuthConfig({}).sessions.maxPerUser).toBe(DEFAULT_MAX_SESSIONS_PER_USER);
    expect(loadAuthConfig({ COFFER_MAX_SESSIONS_PER_USER: '5' }).sessions.maxPerUser).toBe(5);
  });

  it('refuses a session cap of zero or past 10 000', () => {
    expect(() => loadAuthConfig({ COFFER_MAX_SESSIONS_PER_USER: '0' })).toThrow(/COFFER_MAX_SESSIONS_PER_USER/);
    expect(() => loadAuthConfig({ COFFER_MAX_SESSIONS_PER_USER: '10001' })).toThrow(/COFFER_MAX_SESSIONS_PER_USER/);
  });
});
