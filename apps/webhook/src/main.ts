import { webhookV1 } from '@coffer/contracts';
import { loadServiceConfig, notImplementedService, runMain, startServiceRuntime } from '@coffer/platform';
import { webhookPeerAllowlist } from './peer-allowlist.js';

/**
 * Entry point of the webhook service. Webhook service: subscriptions and signed deliveries (Standard Webhooks), test pings and replays.
 *
 * Contract: proto/coffer/webhook/v1/webhook.proto (WebhookService). None of its RPCs is implemented
 * yet: each is registered through notImplementedService, so the peer allowlist still applies and
 * an allowed caller gets UNIMPLEMENTED for:
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
    // Pass implemented handlers as notImplementedService's second argument as they land; HealthService comes from the platform.
    grpcServices: () => [notImplementedService(webhookV1.WebhookServiceService)],
  });
  runtime.installSignalHandlers();
});
