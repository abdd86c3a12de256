import { AsyncLocalStorage } from 'node:async_hooks';

/** What the logs and outgoing calls should know about the request being served. */
export interface RequestContext {
  requestId: string;
  /** The authenticated user, once known. */
  userId?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` with `context` as the current request context. */
export function runWithRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accepts a caller's request id only when it is short and plain; otherwise returns undefined. */
export function sanitizeRequestId(value: unknown): string | undefined {
  return typeof value === 'string' && requestIdPattern.test(value) ? value : undefined;
}

/** gRPC metadata key carrying the request's user id between services, for log correlation only. */
export const USER_ID_METADATA = 'x-coffer-user-id';

const userIdPattern = /^[A-Za-z0-9-]{1,64}$/;

/** Accepts a user id from metadata only when it is short and plain; otherwise returns undefined. */
export function sanitizeUserId(value: unknown): string | undefined {
  return typeof value === 'string' && userIdPattern.test(value) ? value : undefined;
}
