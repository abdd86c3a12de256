import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from './gateway-config.js';

describe('loadGatewayConfig', () => {
  it('allows 60 failed bearer authentications per client address per minute by default', () => {
    const config = loadGatewayConfig({});
    expect(config.rateLimits.badTokens).toEqual({ limit: 60, windowMs: 60_000 });
  });

  it('reads COFFER_RATE_LIMIT_BAD_TOKENS, over the shared COFFER_RATE_LIMIT_WINDOW_S', () => {
    const config = loadGatewayConfig({ COFFER_RATE_LIMIT_BAD_TOKENS: '20', COFFER_RATE_LIMIT_WINDOW_S: '300' });
    expect(config.rateLimits.badTokens).toEqual({ limit: 20, windowMs: 300_000 });
    expect(config.rateLimits.rules.user).toEqual({ limit: 600, windowMs: 300_000 });
  });

  it.each(['0', '-5', '1.5', 'many'])('refuses COFFER_RATE_LIMIT_BAD_TOKENS=%s', (value) => {
    expect(() => loadGatewayConfig({ COFFER_RATE_LIMIT_BAD_TOKENS: value })).toThrow('COFFER_RATE_LIMIT_BAD_TOKENS');
  });
});
