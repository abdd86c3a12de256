import { ConfigError } from '@coffer/platform';
import { describe, expect, it } from 'vitest';
import { loadPolicyConfig } from './policy-config.js';

describe('loadPolicyConfig', () => {
  it('defaults to embedded database and bus, an in-memory key ring, a 100k-entry 1 s cache', () => {
    const config = loadPolicyConfig({});
    expect(config).toMatchObject({
      databaseUrl: 'pglite://memory',
      eventBusUrl: 'embedded://',
      linkKeysFile: undefined,
      decisionCacheMaxEntries: 100_000,
      decisionCacheTtlMs: 1_000,
      maxGrantsPerResource: 1_000,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('puts the key ring in COFFER_DATA_DIR unless COFFER_LINK_KEYS_FILE names one', () => {
    expect(loadPolicyConfig({ COFFER_DATA_DIR: '/var/lib/coffer/' }).linkKeysFile).toBe('/var/lib/coffer/link-keys.json');
    expect(loadPolicyConfig({ COFFER_DATA_DIR: '/var/lib/coffer', COFFER_LINK_KEYS_FILE: '/etc/coffer/links.json' }).linkKeysFile).toBe('/etc/coffer/links.json');
  });

  it('reads every setting', () => {
    const config = loadPolicyConfig({
      COFFER_DATABASE_URL: 'postgres://coffer:secret@db:5432/coffer',
      COFFER_EVENT_BUS_URL: 'kafka://k1:9092,k2:9092',
      COFFER_POLICY_CACHE_MAX_ENTRIES: '500',
      COFFER_POLICY_CACHE_TTL_MS: '250',
      COFFER_POLICY_MAX_GRANTS_PER_RESOURCE: '10',
    });
    expect(config).toMatchObject({ eventBusUrl: 'kafka://k1:9092,k2:9092', decisionCacheMaxEntries: 500, decisionCacheTtlMs: 250, maxGrantsPerResource: 10 });
  });

  it('refuses a cache TTL above 1 s (the staleness bound across instances), and a bad URL without repeating a password', () => {
    expect(() => loadPolicyConfig({ COFFER_POLICY_CACHE_TTL_MS: '1001' })).toThrow(/COFFER_POLICY_CACHE_TTL_MS/);
    const bad = () => loadPolicyConfig({ COFFER_DATABASE_URL: 'mysql://u:hunter2@db/x', COFFER_EVENT_BUS_URL: 'nats://x' });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/COFFER_DATABASE_URL/);
    expect(bad).toThrow(/COFFER_EVENT_BUS_URL/);
    expect(bad).not.toThrow(/hunter2/);
  });
});
