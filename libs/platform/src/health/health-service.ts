import { healthV1 } from '@coffer/contracts';
import type { Logger } from 'pino';
import { unaryHandler, type ServiceBinding } from '../grpc/handlers.js';
import type { Readiness } from './readiness.js';

/** coffer.health.v1.HealthService backed by this process's readiness checks. */
export function healthServiceBinding(service: string, version: string, readiness: Readiness, logger: Logger): ServiceBinding {
  const implementation: healthV1.HealthServiceServer = {
    check: unaryHandler(logger, async () => {
      const report = await readiness.evaluate();
      return {
        service,
        version,
        status: report.ready ? healthV1.ServingStatus.SERVING_STATUS_SERVING : healthV1.ServingStatus.SERVING_STATUS_NOT_SERVING,
        failingChecks: report.failing,
      };
    }),
  };
  return { definition: healthV1.HealthServiceService, implementation };
}
