const SECRET_PREFIX = 'whsec_';

// Standard base64 (RFC 4648 section 4), padding optional. Node's decoder silently skips
// characters outside the alphabet, so the shape is checked first: a mistyped secret must fail
// loudly here rather than produce signatures that never match.
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The HMAC key of a Standard Webhooks secret: `whsec_` followed by base64, or the bare base64
 * (as the reference libraries accept). Throws a `TypeError` for an empty or malformed secret;
 * the message never contains the secret itself.
 */
export function parseWebhookSecret(secret: string): Buffer {
  if (typeof secret !== 'string') {
    throw new TypeError('Webhook secret must be a string.');
  }
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (encoded.length === 0) {
    throw new TypeError("Webhook secret is empty: expected 'whsec_' followed by base64.");
  }
  const unpadded = encoded.replace(/=+$/, '');
  const isPadded = unpadded.length !== encoded.length;
  if (
    !BASE64.test(encoded) ||
    unpadded.length % 4 === 1 ||
    (isPadded && encoded.length % 4 !== 0)
  ) {
    throw new TypeError("Webhook secret is not valid base64: expected 'whsec_' followed by base64.");
  }
  return Buffer.from(unpadded, 'base64');
}
