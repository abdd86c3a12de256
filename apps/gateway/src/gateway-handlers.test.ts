import { describe, expect, it } from 'vitest';
import { restOperations, type auditV1, type authV1, type fileV1, type policyV1, type userV1, type webhookV1 } from '@coffer/contracts';
import { createLogger } from '@coffer/platform';
import { gatewayHandlers } from './gateway-handlers.js';

describe('gateway handlers and the contract', () => {
  // The clients are never called: only which handlers exist is under test.
  const handlers = gatewayHandlers({
    health: { check: () => Promise.reject(new Error('not called')) },
    auth: {} as authV1.AuthServiceClient,
    users: {} as userV1.UserServiceClient,
    files: {} as fileV1.FileServiceClient,
    audit: {} as auditV1.AuditServiceClient,
    policy: {} as policyV1.PolicyServiceClient,
    webhooks: {} as webhookV1.WebhookServiceClient,
    uploadBudget: () => () => Promise.resolve(),
    logger: createLogger({ service: 'gateway-test', level: 'silent' }),
    forgetSession: () => undefined,
    deadlineMs: 1_000,
  });

  it('has a handler for every operation of openapi/coffer.yaml', () => {
    const missing = restOperations.map((operation) => operation.operationId).filter((id) => !(id in handlers));
    expect(missing).toEqual([]);
  });

  it('has no handler for an operation the contract does not declare', () => {
    const declared = new Set<string>(restOperations.map((operation) => operation.operationId));
    expect(Object.keys(handlers).filter((id) => !declared.has(id))).toEqual([]);
  });
});
