import type { components, operations } from '../generated/openapi.generated.js';

/** A file's record: its current version and, on `get`, what the caller may do with it. */
export type File = components['schemas']['File'];
export type FilePage = components['schemas']['FilePage'];
export type FileVersion = components['schemas']['FileVersion'];
export type FilePermission = components['schemas']['FilePermission'];
export type UpdateFileRequest = components['schemas']['UpdateFileRequest'];
export type Share = components['schemas']['Share'];
export type SharePermission = components['schemas']['SharePermission'];
export type CreateShareRequest = components['schemas']['CreateShareRequest'];
export type Link = components['schemas']['Link'];
/** A link just created: with its token (shown once) and the path to GET it. */
export type CreatedLink = components['schemas']['CreatedLink'];
/** Settings of a new link; every field has a server default. */
export type CreateLinkRequest = Partial<components['schemas']['CreateLinkRequest']>;
export type Usage = components['schemas']['Usage'];
export type AuditEvent = components['schemas']['AuditEvent'];
export type AuditEventPage = components['schemas']['AuditEventPage'];
export type AuditVerification = components['schemas']['AuditVerification'];
export type Webhook = components['schemas']['Webhook'];
/** A webhook just created, with its signing secret (shown once). */
export type CreatedWebhook = components['schemas']['CreatedWebhook'];
export type CreateWebhookRequest = components['schemas']['CreateWebhookRequest'];
export type UpdateWebhookRequest = components['schemas']['UpdateWebhookRequest'];
/** Settings of a rotation; `overlapSeconds` defaults to a day. */
export type RotateWebhookSecretRequest = Partial<components['schemas']['RotateWebhookSecretRequest']>;
export type RotatedWebhookSecret = components['schemas']['RotatedWebhookSecret'];
export type QueuedDelivery = components['schemas']['QueuedDelivery'];
export type WebhookDelivery = components['schemas']['WebhookDelivery'];
export type WebhookDeliveryPage = components['schemas']['WebhookDeliveryPage'];
export type WebhookDeliveryStatus = components['schemas']['WebhookDeliveryStatus'];
export type ReplayWebhookDeliveriesRequest = components['schemas']['ReplayWebhookDeliveriesRequest'];
export type ReplayedDeliveries = components['schemas']['ReplayedDeliveries'];
export type User = components['schemas']['User'];
export type UserPage = components['schemas']['UserPage'];
export type SignUpRequest = components['schemas']['SignUpRequest'];
export type LoginRequest = components['schemas']['LoginRequest'];
export type UpdateProfileRequest = components['schemas']['UpdateProfileRequest'];
export type ChangePasswordRequest = components['schemas']['ChangePasswordRequest'];
export type Session = components['schemas']['Session'];
export type PlatformHealth = components['schemas']['PlatformHealth'];
export type ServiceHealth = components['schemas']['ServiceHealth'];
export type PolicyStatement = components['schemas']['PolicyStatement'];
export type PolicyStatementInput = components['schemas']['PolicyStatementInput'];

/** Filters of `files.list` (the query of listFiles, without paging). */
export type ListFilesQuery = Omit<NonNullable<operations['listFiles']['parameters']['query']>, 'pageToken'>;
/** Filters of `audit.list`. */
export type ListAuditEventsQuery = Omit<NonNullable<operations['listAuditEvents']['parameters']['query']>, 'pageToken'>;
/** Filters of `audit.export`. */
export type ExportAuditEventsQuery = NonNullable<operations['exportAuditEvents']['parameters']['query']>;
/** Filters of `webhooks.deliveries`. */
export type ListWebhookDeliveriesQuery = Omit<NonNullable<operations['listWebhookDeliveries']['parameters']['query']>, 'pageToken'>;
/** Paging of `users.list`. */
export type ListUsersQuery = Omit<NonNullable<operations['listUsers']['parameters']['query']>, 'pageToken'>;
