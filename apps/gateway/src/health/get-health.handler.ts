import type { OperationHandler } from '../http/operation.js';
import type { PlatformHealthChecker } from './platform-health.js';

/** GET /v1/health (operationId getHealth, public): 200 when every service serves, else 503. */
export function getHealthHandler(checker: PlatformHealthChecker): OperationHandler {
  return async (_req, res) => {
    const health = await checker.check();
    res.status(health.status === 'ok' ? 200 : 503).setHeader('cache-control', 'no-store').json(health);
  };
}
