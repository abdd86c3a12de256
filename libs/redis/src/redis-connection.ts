import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { AppError } from '@coffer/platform';
import { Redis } from 'ioredis';

/** How the Redis client connects and how long a call may wait. */
export interface RedisConnectionOptions {
  /** One TCP connect + handshake attempt. Default 2000 ms. */
  readonly connectTimeoutMs?: number;
  /** Upper bound for one command, time queued while (re)connecting included. Default 1000 ms. */
  readonly commandTimeoutMs?: number;
  /** Failed reconnect attempts a queued command waits through before it fails. Default 1. */
  readonly maxRetriesPerRequest?: number;
  /**
   * Called with each connection-level error (refused, reset, timed out), e.g. to log or count
   * it. Without it they are swallowed; calls still fail with `AppError('unavailable')`.
   */
  readonly onConnectionError?: (error: Error) => void;
}

/** What `unavailable` errors tell clients to wait: about one reconnect period. */
export const REDIS_RETRY_AFTER_SECONDS = 1;

/**
 * An ioredis client that fails fast: it connects on first use (`lazyConnect`), reconnects in
 * the background with a backoff capped at one second, and a command waits for at most one
 * failed reconnect or `commandTimeoutMs`, whichever comes first. Accepts `redis://` and
 * `rediss://` URLs (`redis://[:password@]host:port/db`).
 */
export function createRedisClient(url: string, options: RedisConnectionOptions = {}): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 2_000,
    commandTimeout: options.commandTimeoutMs ?? 1_000,
    maxRetriesPerRequest: options.maxRetriesPerRequest ?? 1,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
  });
  // Without a listener ioredis prints every connection error as "Unhandled error event".
  const onError = options.onConnectionError;
  client.on('error', (error: Error) => onError?.(error));
  return client;
}

/**
 * Quits the client politely when connected (pending replies arrive first) and waits, for at
 * most a second, until the socket is closed; otherwise just drops it. Never throws.
 */
export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  const ended = once(client, 'end', { signal: AbortSignal.timeout(1_000) }).catch(() => undefined);
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
  await ended;
}

/**
 * Throws `unavailable` at once while the client is between failed connection attempts, so
 * callers do not queue behind a Redis that is known to be down.
 */
export function assertNotKnownDown(client: Redis, detail: string): void {
  if (client.status === 'reconnecting' || client.status === 'end') {
    throw new AppError('unavailable', { detail, retryAfterSeconds: REDIS_RETRY_AFTER_SECONDS });
  }
}

/** Redis replies that mean "not now" rather than "wrong request". */
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|CLUSTERDOWN|TRYAGAIN|OOM|NOREPLICAS|MISCONF)\b/;

/**
 * Maps anything a Redis call threw to an AppError: connection trouble (refused, closed, timed
 * out, retries exhausted) and transient server replies become `unavailable` with a retry
 * hint; other server replies (a script bug, a wrong type) become `internal`. The original
 * error is kept as `cause` for logs; `detail` is safe to show.
 */
export function toAppError(error: unknown, detail: string): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof Error && error.name === 'ReplyError' && !TRANSIENT_REPLY.test(error.message)) {
    return new AppError('internal', { detail: 'An internal error occurred.', cause: error });
  }
  return new AppError('unavailable', { detail, retryAfterSeconds: REDIS_RETRY_AFTER_SECONDS, cause: error });
}

/**
 * A Lua script run with EVALSHA, falling back to EVAL when the server does not have it cached
 * yet (after a restart or failover). Redis runs each script atomically.
 */
export class RedisScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/**
 * A Redis client owned by one store: every command goes through `run`, which fails fast while
 * the client is known to be down, translates errors to AppErrors in one place, and refuses use
 * after `close`.
 */
export class GuardedRedisClient {
  private closed = false;

  constructor(
    readonly client: Redis,
    private readonly unavailableDetail: string,
    private readonly closedError: () => AppError,
  ) {}

  async run<T>(action: () => Promise<T>): Promise<T> {
    if (this.closed) throw this.closedError();
    try {
      assertNotKnownDown(this.client, this.unavailableDetail);
      return await action();
    } catch (error) {
      throw toAppError(error, this.unavailableDetail);
    }
  }

  checkReady(): Promise<void> {
    return this.run(async () => {
      await this.client.ping();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeRedisClient(this.client);
  }
}
