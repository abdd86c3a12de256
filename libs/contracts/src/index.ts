/**
 * @coffer/contracts: types, message codecs, gRPC service definitions and clients generated from
 * `proto/`, and REST types generated from `openapi/`. Hand-written code lives only in this file.
 */
export * as healthV1 from './proto/coffer/health/v1/health.generated.js';
export * as authV1 from './proto/coffer/auth/v1/auth.generated.js';
export * as userV1 from './proto/coffer/user/v1/user.generated.js';
export * as fileV1 from './proto/coffer/file/v1/file.generated.js';
export * as metadataV1 from './proto/coffer/metadata/v1/metadata.generated.js';
export * as policyV1 from './proto/coffer/policy/v1/policy.generated.js';
export * as auditV1 from './proto/coffer/audit/v1/audit.generated.js';
export * as webhookV1 from './proto/coffer/webhook/v1/webhook.generated.js';
export type * as restApi from './openapi/coffer.generated.js';
export { restOperations, type RestOperation } from './openapi/operations.generated.js';
export { openApiDocument } from './openapi/document.generated.js';
export { eventTypes, type EventType } from './events/event-schemas.generated.js';
