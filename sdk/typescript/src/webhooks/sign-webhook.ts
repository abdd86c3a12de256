import { createHmac } from 'node:crypto';

import { parseWebhookSecret } from './webhook-secret.js';

/** What {@link signWebhook} signs. */
export interface SignWebhookInput {
  /** `whsec_` + base64, or the bare base64. */
  secret: string;
  /** The `webhook-id` header. */
  id: string;
  /** The `webhook-timestamp`: whole seconds since the epoch, or a `Date` (rounded down). */
  timestamp: number | Date;
  /** The exact body bytes sent; a string is encoded as UTF-8. */
  payload: string | Uint8Array;
}

/**
 * The `v1,<base64>` signature of a webhook, as a Standard Webhooks sender puts it in the
 * `webhook-signature` header. Meant for consumers' tests: sign a fixture, then feed it to
 * {@link WebhookVerifier}.
 */
export function signWebhook(input: SignWebhookInput): string {
  const seconds =
    input.timestamp instanceof Date ? Math.floor(input.timestamp.getTime() / 1000) : input.timestamp;
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw new TypeError('Webhook timestamp must be a non-negative whole number of seconds.');
  }
  const digest = webhookDigest(parseWebhookSecret(input.secret), input.id, String(seconds), input.payload);
  return `v1,${digest.toString('base64')}`;
}

/**
 * HMAC-SHA256 over `${id}.${timestamp}.` followed by the body bytes. The body is never
 * decoded and re-encoded, so any byte sequence signs and verifies exactly as sent.
 */
export function webhookDigest(key: Uint8Array, id: string, timestamp: string, payload: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`, 'utf8').update(payload).digest();
}
