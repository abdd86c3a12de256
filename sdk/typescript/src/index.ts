/**
 * The Coffer TypeScript SDK: a typed REST client with token refresh, streaming uploads and
 * downloads with integrity checks, pagination and safe retries; and webhook verification.
 *
 * @packageDocumentation
 */
export { CofferClient, SDK_VERSION } from './client/coffer-client.js';
export type { CofferClientOptions } from './client/coffer-client.js';
export { AuthApi } from './client/auth-api.js';
export { UsersApi } from './client/users-api.js';
export { FilesApi } from './client/files-api.js';
export type { DownloadedFile, UploadOptions } from './client/files-api.js';
export { LinksApi, SharesApi } from './client/sharing-api.js';
export { AuditApi } from './client/audit-api.js';
export { WebhooksApi } from './client/webhooks-api.js';
export { CofferApiError, CofferIntegrityError, CofferNetworkError } from './client/coffer-errors.js';
export type { CofferApiErrorInit, Problem } from './client/coffer-errors.js';
export { MissingRefreshTokenError } from './client/token-session.js';
export type { InitialTokens, TokenPair, TokensListener } from './client/token-session.js';
export type { Download, DownloadOptions } from './client/file-download.js';
export type { TransferProgress } from './client/metered-stream.js';
export type { UploadSource } from './client/upload-source.js';
export { formatSha256Digest, parseDigestField, sha256FromDigestField } from './client/content-digest.js';
export { parseRetryAfter } from './client/retry-policy.js';
export type {
  HttpMethod,
  JsonContentOf,
  OperationAt,
  ParamsOf,
  PathsWithMethod,
  RequestBodyOf,
  SuccessBody,
  TypedRequestInit,
  TypedResponse,
} from './client/typed-request.js';
export type * from './client/schemas.js';
export type { components, operations, paths } from './generated/openapi.generated.js';

export { signWebhook } from './webhooks/sign-webhook.js';
export type { SignWebhookInput } from './webhooks/sign-webhook.js';
export { WebhookVerificationError, WEBHOOK_VERIFICATION_ERROR_CODES } from './webhooks/webhook-verification-error.js';
export type { WebhookVerificationErrorCode } from './webhooks/webhook-verification-error.js';
export { WebhookVerifier } from './webhooks/webhook-verifier.js';
export type {
  VerifyWebhookOptions,
  WebhookHeaderLookup,
  WebhookHeaders,
  WebhookVerifierOptions,
} from './webhooks/webhook-verifier.js';
export { parseWebhookSecret } from './webhooks/webhook-secret.js';
