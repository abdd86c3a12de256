/** Every reason a webhook can be rejected; stable across SDK versions and languages. */
export const WEBHOOK_VERIFICATION_ERROR_CODES = [
  'missing_headers',
  'invalid_timestamp',
  'timestamp_too_old',
  'timestamp_too_new',
  'no_matching_signature',
  'invalid_payload',
] as const;

/**
 * Why a webhook was rejected. `missing_headers`: `webhook-id`, `webhook-timestamp` or
 * `webhook-signature` is absent or empty. `invalid_timestamp`: the timestamp is not a whole
 * number of seconds. `timestamp_too_old` / `timestamp_too_new`: it is outside the tolerance.
 * `no_matching_signature`: no `v1` signature matches any secret. `invalid_payload`: the
 * signature is good but the body is not JSON.
 */
export type WebhookVerificationErrorCode = (typeof WEBHOOK_VERIFICATION_ERROR_CODES)[number];

/**
 * Thrown by {@link WebhookVerifier.verify} when a webhook must not be trusted. Branch on
 * `code`, not on `message`: the message is for logs and may change.
 */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';

  constructor(
    readonly code: WebhookVerificationErrorCode,
    message: string,
  ) {
    super(message);
  }
}
