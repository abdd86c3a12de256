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
