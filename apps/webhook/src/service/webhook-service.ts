import type { webhookV1 } from '@coffer/contracts';
import { unaryHandler, type Logger } from '@coffer/platform';
import type { WebhookOperations } from './webhook-operations.js';

/** The gRPC binding of {@link WebhookOperations}; errors map to statuses in the platform's one place. */
export function webhookServiceImplementation(operations: WebhookOperations, logger: Logger): webhookV1.WebhookServiceServer {
  return {
    createSubscription: unaryHandler(logger, (request) => operations.createSubscription(request)),
    listSubscriptions: unaryHandler(logger, (request) => operations.listSubscriptions(request)),
    getSubscription: unaryHandler(logger, (request) => operations.getSubscription(request)),
    updateSubscription: unaryHandler(logger, (request) => operations.updateSubscription(request)),
    deleteSubscription: unaryHandler(logger, (request) => operations.deleteSubscription(request)),
    rotateSecret: unaryHandler(logger, (request) => operations.rotateSecret(request)),
    sendTestPing: unaryHandler(logger, (request) => operations.sendTestPing(request)),
    listDeliveries: unaryHandler(logger, (request) => operations.listDeliveries(request)),
    replayDeliveries: unaryHandler(logger, (request) => operations.replayDeliveries(request)),
    publishEvents: unaryHandler(logger, (request) => operations.publishEvents(request)),
  };
}
