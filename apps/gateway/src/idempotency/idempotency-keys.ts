import { createHash, randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { RestOperation } from '@coffer/contracts';
import { AppError, toAppError, type Logger } from '@coffer/platform';
import type { AuthenticatedCaller } from '../auth/access-token-authenticator.js';
import type { IdempotencyStore, StoredAnswer } from './idempotency-store.js';
import { requestFingerprint } from './request-fingerprint.js';

/** The request header of draft-ietf-httpapi-idempotency-key-header. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** Set on an answer that was stored by an earlier request with the same key, not produced now. */
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';

/** Lease of a JSON operation's reservation: well beyond what its few upstream calls can take. */
export const DEFAULT_IDEMPOTENCY_LEASE_MS = 60_000;

/** Answers larger than this are not stored (the four operations answer a few hundred bytes). */
const MAX_STORED_BODY_BYTES = 1024 * 1024;

/** The answer headers a replay repeats; others (rate limits, request id) belong to the retry itself. */
const REPLAYED_HEADERS = ['content-type', 'location', 'etag'] as const;

/** How the gateway applies Idempotency-Key (built once in main.ts). */
export interface IdempotencySettings {
  store: IdempotencyStore;
  /** How long an answer is replayed (COFFER_IDEMPOTENCY_TTL_S). */
  ttlMs: number;
  /** Lease of a JSON operation's reservation; must exceed the longest its handler runs. */
  leaseMs: number;
  /**
   * The longest a streamed upload may take (COFFER_UPLOAD_TIMEOUT_MS): the lease of an upload's
   * reservation, and the longest a replayed upload's body is drained before the answer.
   */
  uploadTimeoutMs: number;
}

const keyAjv = new Ajv2020({ strict: false });

/** Whether the contract gives the operation an Idempotency-Key parameter. */
export function takesIdempotencyKey(operation: RestOperation): boolean {
  return keyParameter(operation) !== undefined;
}

function keyParameter(operation: RestOperation): RestOperation['parameters'][number] | undefined {
  return operation.parameters.find((parameter) => parameter.in === 'header' && parameter.name.toLowerCase() === IDEMPOTENCY_KEY_HEADER.toLowerCase());
}

/** Answers kept for replay: all but 401 (the caller was not known), 429 and 5xx (retrying may succeed). */
export function isReplayableStatus(status: number): boolean {
  return status < 500 && status !== 401 && status !== 429;
}

/**
 * Idempotency-Key for one operation whose contract has the parameter (undefined otherwise); runs
 * after authentication and request validation, right before the handler. Without the header
 * the request runs as usual. With it, scoped to the caller:
 *
 * - a free key is reserved (lease: {@link IdempotencySettings.leaseMs}, the upload timeout for
 *   streamed bodies) and the request runs; its answer is stored for `ttlMs` before it is sent,
 *   unless it is 401, 429 or 5xx, or the request ends without an answer: then the key is freed;
 * - a key holding an answer for the same request (same fingerprint) gets that answer again,
 *   with `Idempotent-Replayed: true`, without running the handler (a streamed body is drained
 *   first, so the client is not cut off while still sending);
 * - the same key with another request: 422 `idempotency_key_reused`; while the first still
 *   runs: 409 `idempotency_key_in_use`.
 *
 * A store that cannot be reached answers 503 (fail closed: running the request could repeat
 * what the key was sent to prevent).
 */
export function idempotencyKeys(operation: RestOperation, deps: IdempotencySettings & { logger: Logger }): RequestHandler | undefined {
  const parameter = keyParameter(operation);
  if (parameter === undefined) return undefined;
  if (operation.public) throw new Error(`${operation.operationId}: Idempotency-Key needs a caller to scope keys to; the operation is public.`);
  const validKey = keyAjv.compile<string>(parameter.schema);
  const streamed = 'requestBody' in operation && operation.requestBody.streamed;
  const leaseMs = streamed ? deps.uploadTimeoutMs : deps.leaseMs;

  return async (req: Request, res: Response, next: (error?: unknown) => void) => {
    const key = req.header(IDEMPOTENCY_KEY_HEADER);
    if (key === undefined) {
      next();
      return;
    }
    // A refused upload stops reading; the connection closes so the client stops sending.
    const refusal = (error: AppError): AppError => {
      if (streamed) res.setHeader('connection', 'close');
      return error;
    };
    if (!validKey(key)) throw refusal(new AppError('invalid_argument', { detail: `${IDEMPOTENCY_KEY_HEADER}: must be 8 to 255 visible ASCII characters.` }));
    const caller = res.locals['caller'] as AuthenticatedCaller | undefined;
    if (!caller) throw new AppError('unauthenticated');
    const storeKey = scopedKey(caller.userId, key);
    const fingerprint = requestFingerprint({
      method: operation.method,
      route: operation.path,
      parameters: (res.locals['parameters'] as Record<string, unknown> | undefined) ?? {},
      body: streamed ? { streamed: true, headers: req } : { streamed: false, json: req.body as unknown },
    });
    const token = randomUUID();
    let reservation;
    try {
      reservation = await deps.store.reserve(storeKey, { fingerprint, token }, leaseMs);
    } catch (error) {
      throw refusal(toAppError(error));
    }
    if (!reservation.reserved) {
      const { record } = reservation;
      if (record.fingerprint !== fingerprint) {
        throw refusal(new AppError('idempotency_key_reused', { detail: `This ${IDEMPOTENCY_KEY_HEADER} was used for a different request; use a new key for a new request.` }));
      }
      if (record.state === 'running') {
        throw refusal(new AppError('idempotency_key_in_use', { detail: `A request with this ${IDEMPOTENCY_KEY_HEADER} is still being processed; retry after it has finished.` }));
      }
      await replay(req, res, record.answer, streamed ? deps.uploadTimeoutMs : undefined);
      return;
    }
    storeAnswerBeforeSending(res, {
      store: (answer) => deps.store.complete(storeKey, token, answer, deps.ttlMs),
      release: () => deps.store.release(storeKey, token),
      logger: deps.logger,
      operationId: operation.operationId,
    });
    next();
  };
}

/** Store keys never hold the user id or the client's key in the clear (they sit in Redis). */
function scopedKey(userId: string, key: string): string {
  return createHash('sha256').update(JSON.stringify([userId, key])).digest('base64url');
}

/**
 * Holds back the end of the answer until it is stored (or, when it is not kept, until the key is
 * freed), so a retry that arrives as soon as the client has the answer finds it. Every request
 * that passed this point ends with `res.end`: a handler's answer, or the problem+json of what it
 * threw (a failure is 5xx, so the key is freed). A client that leaves early does not stop the
 * handler; its answer is still stored, so a retry gets the outcome instead of running twice. A
 * gateway that dies mid-request leaves the reservation to its lease.
 */
function storeAnswerBeforeSending(
  res: Response,
  deps: { store(answer: StoredAnswer): Promise<boolean>; release(): Promise<void>; logger: Logger; operationId: string },
): void {
  const chunks: Buffer[] = [];
  let bytes = 0;
  let settled = false;
  const keep = (chunk: unknown, encoding: unknown) => {
    const buffer =
      typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : chunk instanceof Uint8Array ? Buffer.from(chunk) : undefined;
    if (buffer === undefined) return;
    bytes += buffer.length;
    // Past the limit the answer is not stored; stop holding its bytes.
    if (bytes <= MAX_STORED_BODY_BYTES) chunks.push(buffer);
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  res.write = ((...args: unknown[]) => {
    keep(args[0], args[1]);
    return write(...args);
  }) as Response['write'];
  res.end = ((...args: unknown[]) => {
    // Only the first end is the answer; another while it is being stored (a handler that threw
    // after answering) would send a second one.
    if (settled) return res;
    settled = true;
    keep(args[0], args[1]);
    const answer: StoredAnswer = {
      status: res.statusCode,
      headers: Object.fromEntries(REPLAYED_HEADERS.flatMap((name) => {
        const value = res.getHeader(name);
        return value === undefined ? [] : [[name, Array.isArray(value) ? value.join(', ') : String(value)]];
      })),
      bodyBase64: bytes <= MAX_STORED_BODY_BYTES ? Buffer.concat(chunks).toString('base64') : '',
    };
    const keepIt = isReplayableStatus(answer.status) && bytes <= MAX_STORED_BODY_BYTES;
    const recorded = keepIt
      ? deps.store(answer).then((stored) => {
          if (!stored) deps.logger.warn({ operation_id: deps.operationId }, 'idempotency reservation ended before the answer; answer not stored');
        })
      : deps.release();
    void recorded
      .catch((error: unknown) => {
        deps.logger.warn({ operation_id: deps.operationId, err: toAppError(error) }, 'idempotency store failed; the key stays reserved until its lease ends');
      })
      .finally(() => end(...args));
    return res;
  }) as Response['end'];
}

/** Sends a stored answer again; a streamed request body is read to its end (and discarded) first. */
async function replay(req: Request, res: Response, answer: StoredAnswer, drainTimeoutMs: number | undefined): Promise<void> {
  if (drainTimeoutMs !== undefined && (await drainRequestBody(req, drainTimeoutMs)) !== 'drained') res.setHeader('connection', 'close');
  res.status(answer.status);
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
  res.end(Buffer.from(answer.bodyBase64, 'base64'));
}

/** Reads and discards the rest of a request body, for at most `timeoutMs`. */
function drainRequestBody(req: Request, timeoutMs: number): Promise<'drained' | 'timed_out' | 'gone'> {
  if (req.complete) {
    req.resume();
    return Promise.resolve('drained');
  }
  return new Promise((resolve) => {
    const finish = (outcome: 'drained' | 'timed_out' | 'gone') => {
      clearTimeout(timer);
      req.off('end', onEnd);
      req.off('close', onClose);
      req.off('error', onClose);
      resolve(outcome);
    };
    const onEnd = () => finish('drained');
    const onClose = () => finish(req.complete ? 'drained' : 'gone');
    const timer = setTimeout(() => finish('timed_out'), timeoutMs);
    req.on('end', onEnd);
    req.on('close', onClose);
    req.on('error', onClose);
    req.resume();
  });
}
