import type { components } from '../generated/openapi.generated.js';

/** An RFC 9457 problem document as Coffer sends it (`code` and `requestId` are Coffer's extensions). */
export type Problem = components['schemas']['Problem'];

/** What {@link CofferApiError} is built from. */
export interface CofferApiErrorInit {
  status: number;
  problem: Partial<Problem> & Record<string, unknown>;
  /** Seconds from a `Retry-After` header, when the answer had one. */
  retryAfterSeconds?: number;
  /** The request method and URL, for the message. */
  method?: string;
  url?: string;
}

/**
 * The API answered with an error status. Every field of the problem+json document is on the
 * error; an answer that was not problem+json still becomes one, with `code` `http_<status>`.
 */
export class CofferApiError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** Stable machine-readable code, e.g. `not_found`, `quota_exceeded`. */
  readonly code: string;
  /** The problem type URI (`about:blank` when the answer was not a problem document). */
  readonly type: string;
  /** Short summary of the problem type. */
  readonly title: string;
  /** Explanation specific to this occurrence, when the server gave one. */
  readonly detail: string | undefined;
  /** The request path or id this problem is about, when given. */
  readonly instance: string | undefined;
  /** The server's request id, for support. */
  readonly requestId: string | undefined;
  /** The whole problem document as received (or synthesised from a non-JSON answer). */
  readonly problem: Partial<Problem> & Record<string, unknown>;
  /** Seconds to wait before retrying, from `Retry-After` (429, 503). */
  readonly retryAfterSeconds: number | undefined;

  constructor(init: CofferApiErrorInit) {
    const problem = init.problem;
    const title = typeof problem.title === 'string' ? problem.title : `HTTP ${init.status}`;
    const detail = typeof problem.detail === 'string' ? problem.detail : undefined;
    const where = init.method && init.url ? ` (${init.method} ${init.url})` : '';
    super(`${init.status} ${title}${detail ? `: ${detail}` : ''}${where}`);
    this.name = 'CofferApiError';
    this.status = init.status;
    this.code = typeof problem.code === 'string' ? problem.code : `http_${init.status}`;
    this.type = typeof problem.type === 'string' ? problem.type : 'about:blank';
    this.title = title;
    this.detail = detail;
    this.instance = typeof problem.instance === 'string' ? problem.instance : undefined;
    this.requestId = typeof problem.requestId === 'string' ? problem.requestId : undefined;
    this.problem = problem;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** The request never got an answer: connection refused or reset, DNS failure, timeout. */
export class CofferNetworkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CofferNetworkError';
  }
}

/**
 * Bytes did not match their digest: a download whose SHA-256 differs from the server's
 * `Content-Digest`/`Repr-Digest`, or an upload the server stored with another SHA-256 than the
 * SDK sent.
 */
export class CofferIntegrityError extends Error {
  /** The SHA-256 (hex) that was expected. */
  readonly expectedSha256: string;
  /** The SHA-256 (hex) that was found. */
  readonly actualSha256: string;

  constructor(message: string, digests: { expectedSha256: string; actualSha256: string }) {
    super(message);
    this.name = 'CofferIntegrityError';
    this.expectedSha256 = digests.expectedSha256;
    this.actualSha256 = digests.actualSha256;
  }
}
