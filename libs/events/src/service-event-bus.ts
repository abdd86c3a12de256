import { auditV1, webhookV1 } from '@coffer/contracts';
import { AppError, type ServiceRuntime } from '@coffer/platform';
import { createEventBusFromUrl, peersOfBusUrl } from './create-event-bus-from-url.js';
import type { EventBus } from './event-bus.js';
import { forwardToAudit, forwardToEach, forwardToWebhook, type ForwardEvents } from './forwarding-event-bus.js';

/**
 * The bus a service's outbox relay publishes through, from its COFFER_EVENT_BUS_URL:
 * `kafka://…` in production, `embedded://` (this process only), or `peer://audit,webhook` —
 * what `make dev` sets — forwarding to the consuming services over mTLS: the audit service,
 * which hosts the embedded bus, and the webhook service (ADR 0018, ADR 0019). Throws
 * `AppError('invalid_argument')` for an unknown URL or peer. With the runtime's tracing and
 * registry, consumers are traced (`process <topic>` spans) and a Kafka bus exports
 * `event_consumer_lag_events` on the service's /metrics.
 */
export function createServiceEventBus(
  url: string,
  runtime: Pick<ServiceRuntime, 'logger' | 'client'> & Partial<Pick<ServiceRuntime, 'tracing' | 'registry'>>,
  clientId: string,
): EventBus {
  const peers = peersOfBusUrl(url);
  return createEventBusFromUrl(url, {
    clientId,
    logger: runtime.logger.child({ component: 'event-bus' }),
    ...(runtime.tracing === undefined ? {} : { tracer: runtime.tracing.tracer }),
    ...(runtime.registry === undefined ? {} : { metricsRegistry: runtime.registry }),
    ...(peers === undefined ? {} : { forward: forwardToEach(peers.map((peer) => forwarderFor(peer, runtime))) }),
  });
}

function forwarderFor(peer: string, runtime: Pick<ServiceRuntime, 'client'>): ForwardEvents {
  if (peer === 'audit') return forwardToAudit(runtime.client(auditV1.AuditServiceClient, 'audit'));
  if (peer === 'webhook') return forwardToWebhook(runtime.client(webhookV1.WebhookServiceClient, 'webhook'));
  throw new AppError('invalid_argument', { detail: 'A peer:// event bus forwards only to audit and webhook.' });
}
