import { auditV1 } from '@coffer/contracts';
import type { ServiceRuntime } from '@coffer/platform';
import { createEventBusFromUrl } from './create-event-bus-from-url.js';
import type { EventBus } from './event-bus.js';
import { forwardToAudit } from './forwarding-event-bus.js';

/**
 * The bus a service's outbox relay publishes through, from its COFFER_EVENT_BUS_URL:
 * `kafka://…` in production, `embedded://` (this process only), or `peer://audit` — what
 * `make dev` sets — forwarding to the audit service, which hosts the embedded bus for the
 * separate processes of the platform. Throws `AppError('invalid_argument')` for an unknown URL.
 */
export function createServiceEventBus(url: string, runtime: Pick<ServiceRuntime, 'logger' | 'client'>, clientId: string): EventBus {
  return createEventBusFromUrl(url, {
    clientId,
    logger: runtime.logger.child({ component: 'event-bus' }),
    ...(url.startsWith('peer://') ? { forward: forwardToAudit(runtime.client(auditV1.AuditServiceClient, 'audit')) } : {}),
  });
}
