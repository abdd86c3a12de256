import { describe, expect, it } from 'vitest';
import { ALL_SERVICES, HEALTH_CHECK_METHOD, isPeerAllowed } from '@coffer/platform';
import { webhookPeerAllowlist } from './peer-allowlist.js';

/** Every RPC of proto/coffer/webhook/v1/webhook.proto. */
const RPC_METHODS = [
  '/coffer.webhook.v1.WebhookService/CreateSubscription',
  '/coffer.webhook.v1.WebhookService/ListSubscriptions',
  '/coffer.webhook.v1.WebhookService/GetSubscription',
  '/coffer.webhook.v1.WebhookService/UpdateSubscription',
  '/coffer.webhook.v1.WebhookService/DeleteSubscription',
  '/coffer.webhook.v1.WebhookService/RotateSecret',
  '/coffer.webhook.v1.WebhookService/SendTestPing',
  '/coffer.webhook.v1.WebhookService/ReplayDeliveries',
  '/coffer.webhook.v1.WebhookService/ListDeliveries',
];

/** Who may forward events to PublishEvents: the producers (outbox relays on the embedded bus). */
const PRODUCERS: readonly string[] = ['auth', 'user', 'file', 'metadata', 'policy', 'webhook'];
const PUBLISH_EVENTS = '/coffer.webhook.v1.WebhookService/PublishEvents';

/** The services that may call every RPC. */
const CALLERS: readonly string[] = ['gateway'];

/** Every other Coffer service, and a caller that presented no certificate identity. */
const REFUSED_PEERS = [
  ...ALL_SERVICES.filter((peer) => !CALLERS.includes(peer)).map((peer) => ({ label: peer, peer })),
  { label: 'a caller without identity', peer: undefined },
];

describe('webhook peer allowlist', () => {
  it.each(CALLERS.flatMap((peer) => RPC_METHODS.map((method) => [peer, method] as const)))('lets %s call %s', (peer, method) => {
    expect(isPeerAllowed(webhookPeerAllowlist, method, peer)).toBe(true);
  });

  it('lets the gateway check its health', () => {
    expect(isPeerAllowed(webhookPeerAllowlist, HEALTH_CHECK_METHOD, 'gateway')).toBe(true);
  });

  it.each(REFUSED_PEERS.flatMap(({ label, peer }) => RPC_METHODS.map((method) => [label, method, peer] as const)))(
    'refuses %s calling %s',
    (_label, method, peer) => {
      expect(isPeerAllowed(webhookPeerAllowlist, method, peer)).toBe(false);
    },
  );

  it.each(PRODUCERS)('lets producer %s forward events', (peer) => {
    expect(isPeerAllowed(webhookPeerAllowlist, PUBLISH_EVENTS, peer)).toBe(true);
  });

  it.each([...ALL_SERVICES.filter((peer) => !PRODUCERS.includes(peer)), undefined])('refuses %s forwarding events', (peer) => {
    expect(isPeerAllowed(webhookPeerAllowlist, PUBLISH_EVENTS, peer)).toBe(false);
  });

  it('refuses a caller without identity a health check', () => {
    expect(isPeerAllowed(webhookPeerAllowlist, HEALTH_CHECK_METHOD, undefined)).toBe(false);
  });

  it.each(ALL_SERVICES)('refuses %s a method the contract does not declare (deny by default)', (peer) => {
    expect(isPeerAllowed(webhookPeerAllowlist, '/coffer.webhook.v1.WebhookService/NotInTheContract', peer)).toBe(false);
  });
});
