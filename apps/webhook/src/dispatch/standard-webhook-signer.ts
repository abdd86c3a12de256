import { createHmac, randomBytes } from 'node:crypto';

/** Random bytes of a new signing secret (Standard Webhooks allows 24 to 64). */
export const WEBHOOK_SECRET_BYTES = 32;
const SECRET_PREFIX = 'whsec_';

/** A new signing secret: `whsec_` + base64 of {@link WEBHOOK_SECRET_BYTES} random bytes. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(WEBHOOK_SECRET_BYTES).toString('base64');
}

function secretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('a webhook secret starts with whsec_');
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  if (key.length < 24 || key.length > 64) throw new Error('a webhook secret holds 24 to 64 bytes');
  return key;
}

/** The headers a delivery carries (Standard Webhooks). */
export interface WebhookSignatureHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/**
 * Signs one attempt of a delivery: `v1,` + base64 HMAC-SHA256 over `id.timestamp.body` with each
 * secret, space-separated — the current secret first, then (during a rotation) the previous one,
 * so receivers that still hold the old secret keep verifying.
 */
export function signWebhook(secrets: readonly string[], id: string, timestampSeconds: number, body: string): WebhookSignatureHeaders {
  if (secrets.length === 0) throw new Error('signing needs at least one secret');
  const timestamp = String(Math.floor(timestampSeconds));
  const content = `${id}.${timestamp}.${body}`;
  const signatures = secrets.map((secret) => `v1,${createHmac('sha256', secretKey(secret)).update(content, 'utf8').digest('base64')}`);
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signatures.join(' ') };
}
