import { timingSafeEqual } from 'node:crypto';

import { webhookDigest } from './sign-webhook.js';
import { WebhookVerificationError } from './webhook-verification-error.js';
import { parseWebhookSecret } from './webhook-secret.js';

/** Anything with a case-insensitive `get`, such as the fetch API's `Headers`. */
export interface WebhookHeaderLookup {
  get(name: string): string | null;
}

/**
 * The request headers: a fetch `Headers`, or a plain object such as node's / express's
 * `req.headers` (names are matched case-insensitively).
 */
export type WebhookHeaders = WebhookHeaderLookup | Record<string, string | string[] | undefined>;

/** Settings of one {@link WebhookVerifier.verify} call. */
export interface VerifyWebhookOptions {
  /** How far the timestamp may be from now, either way. Default: the verifier's, else 300. */
  toleranceSeconds?: number;
  /** "Now" in seconds since the epoch, for tests. Default: the verifier's clock. */
  nowSeconds?: number;
}

/** Settings of a {@link WebhookVerifier}. */
export interface WebhookVerifierOptions {
  /** How far the timestamp may be from now, either way. Default 300 (the spec's). */
  toleranceSeconds?: number;
  /** Milliseconds since the epoch, like `Date.now` (the default). */
  clock?: () => number;
}

const DEFAULT_TOLERANCE_SECONDS = 300;

// A non-negative integer without leading zeros, so the header text and the number it denotes
// are the same thing (the signed content uses the header text).
const TIMESTAMP = /^(?:0|[1-9][0-9]*)$/;

/**
 * Verifies webhooks signed per Standard Webhooks
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md).
 *
 * Give it every secret that may currently be in use: during a rotation the sender signs with
 * both, and either matching is enough. Verify the raw body bytes as received, never a
 * re-serialized object: re-serializing changes the bytes and the signature no longer matches.
 *
 * Verification does not stop replays within the tolerance window; deduplicate on
 * `webhook-id` for that.
 */
export class WebhookVerifier {
  private readonly keys: readonly Buffer[];
  private readonly toleranceSeconds: number;
  private readonly clock: () => number;

  /** Throws a `TypeError` if there is no secret or any secret is malformed. */
  constructor(secrets: string | readonly string[], options: WebhookVerifierOptions = {}) {
    const list = typeof secrets === 'string' ? [secrets] : secrets;
    if (list.length === 0) {
      throw new TypeError('WebhookVerifier needs at least one secret.');
    }
    this.keys = list.map((secret) => parseWebhookSecret(secret));
    this.toleranceSeconds = checkedTolerance(options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS);
    this.clock = options.clock ?? Date.now;
  }

  /**
   * The parsed JSON body of an authentic, fresh webhook. Throws a
   * {@link WebhookVerificationError} whose `code` says why it was rejected; the checks run in
   * the order headers, timestamp format, timestamp freshness, signature, body.
   */
  verify(payload: string | Uint8Array, headers: WebhookHeaders, options: VerifyWebhookOptions = {}): unknown {
    const id = singleHeader(headers, 'webhook-id');
    const timestamp = singleHeader(headers, 'webhook-timestamp');
    const signatureHeader = headerValues(headers, 'webhook-signature').join(' ');
    if (id === undefined || timestamp === undefined || signatureHeader.trim() === '') {
      throw new WebhookVerificationError(
        'missing_headers',
        'The webhook-id, webhook-timestamp and webhook-signature headers are all required.',
      );
    }

    const sentAt = TIMESTAMP.test(timestamp) ? Number(timestamp) : Number.NaN;
    if (!Number.isSafeInteger(sentAt)) {
      throw new WebhookVerificationError('invalid_timestamp', 'webhook-timestamp is not a whole number of seconds.');
    }
    const tolerance =
      options.toleranceSeconds === undefined ? this.toleranceSeconds : checkedTolerance(options.toleranceSeconds);
    const now = options.nowSeconds ?? Math.floor(this.clock() / 1000);
    if (now - sentAt > tolerance) {
      throw new WebhookVerificationError('timestamp_too_old', 'The webhook timestamp is too old.');
    }
    if (sentAt - now > tolerance) {
      throw new WebhookVerificationError('timestamp_too_new', 'The webhook timestamp is in the future.');
    }

    const candidates = v1Signatures(signatureHeader);
    const matches = this.keys.some((key) => {
      const expected = Buffer.from(webhookDigest(key, id, timestamp, payload).toString('base64'), 'ascii');
      // Lengths are public (every v1 signature is 44 characters); only the bytes are secret.
      return candidates.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
    });
    if (!matches) {
      throw new WebhookVerificationError('no_matching_signature', 'No v1 signature matches the webhook secret.');
    }

    return parseJsonBody(payload);
  }
}

function checkedTolerance(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError('toleranceSeconds must be a non-negative finite number.');
  }
  return seconds;
}

function headerValues(headers: WebhookHeaders, name: string): string[] {
  if (isHeaderLookup(headers)) {
    const value = headers.get(name);
    return value === null ? [] : [value];
  }
  const values: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    values.push(...(typeof value === 'string' ? [value] : value));
  }
  return values;
}

/** The one non-empty value of a header; undefined if absent, empty or given twice differently. */
function singleHeader(headers: WebhookHeaders, name: string): string | undefined {
  const values = new Set(headerValues(headers, name).map((value) => value.trim()));
  const [value] = values;
  return values.size === 1 && value !== '' ? value : undefined;
}

function isHeaderLookup(headers: WebhookHeaders): headers is WebhookHeaderLookup {
  return typeof (headers as Partial<WebhookHeaderLookup>).get === 'function';
}

/**
 * The base64 parts of the space-separated `v1,<base64>` entries, as bytes; other versions are
 * ignored. A header sent on several lines arrives joined with ", " (node, fetch), so a
 * trailing comma is dropped from each entry: base64 has no commas, so this never changes
 * which signature an entry carries.
 */
function v1Signatures(header: string): Buffer[] {
  return header
    .split(/\s+/)
    .map((entry) => entry.replace(/,$/, ''))
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice('v1,'.length), 'utf8'));
}

function parseJsonBody(payload: string | Uint8Array): unknown {
  try {
    // fatal: invalid UTF-8 is an error rather than U+FFFD; ignoreBOM: a BOM stays in the text
    // (and makes it invalid JSON) instead of being silently dropped.
    const text = typeof payload === 'string' ? payload : new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(payload);
    return JSON.parse(text) as unknown;
  } catch {
    throw new WebhookVerificationError('invalid_payload', 'The webhook body is not valid UTF-8 JSON.');
  }
}
