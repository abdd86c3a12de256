import { ConfigError } from '@coffer/platform';
import { describe, expect, it } from 'vitest';
import { loadWebhookConfig } from './webhook-config.js';

describe('loadWebhookConfig', () => {
  it('defaults: embedded database and bus, the Standard Webhooks schedule, https only, no allowlisted networks', () => {
    const config = loadWebhookConfig({});
    expect(config).toMatchObject({
      databaseUrl: 'pglite://memory',
      eventBusUrl: 'embedded://',
      keysFile: undefined,
      maxSubscriptionsPerUser: 25,
      delivery: { timeoutMs: 10_000, maxResponseBytes: 65_536, concurrency: 16, pollIntervalMs: 250, disableAfterMs: 5 * 86_400_000, allowedNetworks: [], allowHttp: false },
    });
    expect(config.delivery.scheduleMs).toEqual([0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000]);
    expect(Object.isFrozen(config.delivery)).toBe(true);
  });

  it('reads every setting, and puts the key ring under COFFER_DATA_DIR when no file is named', () => {
    const config = loadWebhookConfig({
      COFFER_EVENT_BUS_URL: 'peer://audit,webhook',
      COFFER_DATA_DIR: '/var/lib/coffer',
      COFFER_WEBHOOK_RETRY_SCHEDULE: '0,1s,1m',
      COFFER_WEBHOOK_TIMEOUT_MS: '2000',
      COFFER_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8, ::1/128',
      COFFER_WEBHOOK_ALLOW_HTTP: 'true',
      COFFER_WEBHOOK_CONCURRENCY: '4',
    });
    expect(config).toMatchObject({
      eventBusUrl: 'peer://audit,webhook',
      keysFile: '/var/lib/coffer/webhook/secret-keys.json',
      delivery: { scheduleMs: [0, 1_000, 60_000], timeoutMs: 2_000, allowedNetworks: ['127.0.0.0/8', '::1/128'], allowHttp: true, concurrency: 4 },
    });
    expect(loadWebhookConfig({ COFFER_WEBHOOK_KEYS_FILE: '/k.json', COFFER_DATA_DIR: '/d' }).keysFile).toBe('/k.json');
  });

  it.each([
    ['COFFER_WEBHOOK_RETRY_SCHEDULE', '0,soon'],
    ['COFFER_WEBHOOK_RETRY_SCHEDULE', '30d'],
    ['COFFER_WEBHOOK_ALLOWED_NETWORKS', 'intranet'],
    ['COFFER_WEBHOOK_ALLOW_HTTP', 'yes'],
    ['COFFER_EVENT_BUS_URL', 'nats://x'],
    ['COFFER_WEBHOOK_TIMEOUT_MS', '5'],
  ])('refuses %s=%j with a message naming it', (name, value) => {
    expect(() => loadWebhookConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadWebhookConfig({ [name]: value })).toThrow(new RegExp(name));
  });
});
