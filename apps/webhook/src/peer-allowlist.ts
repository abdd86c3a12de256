import { HEALTH_CHECK_METHOD, type PeerAllowlist } from '@coffer/platform';

/**
 * Who may call the webhook service over mTLS (a peer is the service name in its certificate).
 * The subscription RPCs are open to the gateway, PublishEvents to the producing services;
 * HealthService Check is
 * open to the gateway, which aggregates health for GET /v1/health. Deny by default: a method not
 * listed here, such as an RPC added to the contract later, is refused to everyone until it is
 * listed. Narrow a method's callers here when one of them should not call it.
 */
export const webhookPeerAllowlist: PeerAllowlist = {
  defaultPeers: [],
  methods: {
    [HEALTH_CHECK_METHOD]: ['gateway'],
    '/coffer.webhook.v1.WebhookService/CreateSubscription': ['gateway'],
    '/coffer.webhook.v1.WebhookService/ListSubscriptions': ['gateway'],
    '/coffer.webhook.v1.WebhookService/GetSubscription': ['gateway'],
    '/coffer.webhook.v1.WebhookService/UpdateSubscription': ['gateway'],
    '/coffer.webhook.v1.WebhookService/DeleteSubscription': ['gateway'],
    '/coffer.webhook.v1.WebhookService/RotateSecret': ['gateway'],
    '/coffer.webhook.v1.WebhookService/SendTestPing': ['gateway'],
    '/coffer.webhook.v1.WebhookService/ReplayDeliveries': ['gateway'],
    '/coffer.webhook.v1.WebhookService/ListDeliveries': ['gateway'],
    // Producers' outbox relays forward their events here on the embedded bus (ADR 0019).
    '/coffer.webhook.v1.WebhookService/PublishEvents': ['auth', 'user', 'file', 'metadata', 'policy', 'webhook'],
  },
};
