import { loadServiceConfig, runMain, startServiceRuntime } from '@coffer/platform';
import { webhookPeerAllowlist } from './peer-allowlist.js';

/**
 * Entry point of the webhook service. Webhook service: subscriptions and signed deliveries (Standard Webhooks), test pings and replays.
 *
 * Contract: proto/coffer/webhook/v1/webhook.proto (WebhookService). None of its RPCs is implemented
 * yet, so the server serves only the HealthService the platform adds, and a call to any of these
 * answers UNIMPLEMENTED:
 *   - CreateSubscription
 *   - ListSubscriptions
 *   - GetSubscription
 *   - UpdateSubscription
 *   - DeleteSubscription
 *   - RotateSecret
 *   - SendTestPing
 *   - ReplayDeliveries
 */
runMain('webhook', async () => {
  const config = loadServiceConfig('webhook');
  const runtime = await startServiceRuntime({
    name: 'webhook',
    config,
    allowlist: webhookPeerAllowlist,
    // Register the WebhookService handlers here as they are implemented; HealthService comes from the platform.
    grpcServices: () => [],
  });
  runtime.installSignalHandlers();
});
