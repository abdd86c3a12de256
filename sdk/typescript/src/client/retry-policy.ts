/** How a request attempt ended, as far as retrying is concerned. */
export type AttemptOutcome = { kind: 'answer'; status: number; retryAfterSeconds?: number } | { kind: 'network-error' };

/** What makes a request safe to send again. */
export interface RequestRetryTraits {
  /** Upper-case HTTP method. */
  method: string;
  /** The request carries an `Idempotency-Key` (the server answers a repeat without running it twice). */
  idempotencyKey: boolean;
  /** The request carries `If-Match` (a repeated PATCH cannot overwrite someone else's change). */
  ifMatch: boolean;
  /** The body can be produced again (no body, bytes, a Blob, a file path; never a one-shot stream). */
  replayableBody: boolean;
}

/** The SDK's retry settings. */
export interface RetrySettings {
  /** Retries after the first attempt (so `retries: 3` means at most 4 attempts). */
  retries: number;
  /** Delay before the first retry; doubled each time. */
  baseDelayMs: number;
  /** No computed delay (Retry-After included) goes beyond this. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_SETTINGS: RetrySettings = Object.freeze({ retries: 3, baseDelayMs: 250, maxDelayMs: 20_000 });

/** Whether and when to try again. */
export type RetryDecision = { retry: false } | { retry: true; delayMs: number };

const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

/**
 * Whether a request may be sent twice without a second effect: GET, HEAD and DELETE; PATCH
 * guarded by If-Match; POST (or any method) with an Idempotency-Key. In every case the body
 * must be replayable.
 */
export function isReplayableRequest(traits: RequestRetryTraits): boolean {
  if (!traits.replayableBody) return false;
  const method = traits.method.toUpperCase();
  if (IDEMPOTENT_METHODS.has(method)) return true;
  if (method === 'PATCH' && traits.ifMatch) return true;
  return traits.idempotencyKey;
}

/** Network errors, 429 and the gateway-side 502/503/504 are worth another try; no other 4xx or 5xx is. */
export function isRetryableOutcome(outcome: AttemptOutcome): boolean {
  return outcome.kind === 'network-error' || RETRYABLE_STATUSES.has(outcome.status);
}

/**
 * The delay before retry number `retry` (1 for the first retry): the server's Retry-After when
 * it sent one, else exponential backoff with full jitter (a random delay between half and all of
 * `base * 2^(retry-1)`), capped at `maxDelayMs`.
 */
export function retryDelayMs(retry: number, retryAfterSeconds: number | undefined, settings: RetrySettings, random: () => number = Math.random): number {
  if (retryAfterSeconds !== undefined) return Math.min(settings.maxDelayMs, Math.max(0, retryAfterSeconds * 1000));
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Whether to retry after attempt number `attempt` (1 for the first attempt) ended with `outcome`. */
export function decideRetry(
  traits: RequestRetryTraits,
  outcome: AttemptOutcome,
  attempt: number,
  settings: RetrySettings,
  random: () => number = Math.random,
): RetryDecision {
  if (attempt > settings.retries) return { retry: false };
  if (!isRetryableOutcome(outcome) || !isReplayableRequest(traits)) return { retry: false };
  const retryAfter = outcome.kind === 'answer' ? outcome.retryAfterSeconds : undefined;
  return { retry: true, delayMs: retryDelayMs(attempt, retryAfter, settings, random) };
}

/**
 * Seconds to wait from a `Retry-After` header (RFC 9110 section 10.2.3): a number of seconds or
 * an HTTP date. `undefined` when absent or unreadable; a date in the past gives 0.
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value);
  if (!/[a-z]/i.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}
