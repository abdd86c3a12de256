import type { authV1, userV1 } from '@coffer/contracts';
import { auditHandlers, type AuditHandlerDeps } from './audit/audit-handlers.js';
import { fileHandlers, type FileHandlerDeps } from './files/file-handlers.js';
import { getHealthHandler } from './health/get-health.handler.js';
import type { PlatformHealthChecker } from './health/platform-health.js';
import type { OperationHandlers } from './http/operation.js';
import { identityHandlers } from './identity/identity-handlers.js';
import { webhookHandlers, type WebhookHandlerDeps } from './webhooks/webhook-handlers.js';

export interface GatewayHandlerDeps extends FileHandlerDeps, AuditHandlerDeps, WebhookHandlerDeps {
  health: PlatformHealthChecker;
  auth: authV1.AuthServiceClient;
  users: userV1.UserServiceClient;
  forgetSession(sessionId: string): void;
  deadlineMs: number;
}

/** Every handler the gateway has, by operationId (a test checks they match the contract). */
export function gatewayHandlers(deps: GatewayHandlerDeps): OperationHandlers {
  return {
    getHealth: getHealthHandler(deps.health),
    ...identityHandlers(deps),
    ...fileHandlers(deps),
    ...auditHandlers(deps),
    ...webhookHandlers(deps),
  };
}
