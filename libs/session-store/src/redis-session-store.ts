import { AppError, type Logger } from '@coffer/platform';
import type { Redis } from 'ioredis';
import { GuardedRedisClient } from '@coffer/redis';
import {
  createSessionScript,
  listSessionsScript,
  revokeAllSessionsScript,
  revokeSessionScript,
  touchSessionScript,
} from './redis-session-scripts.js';
import type {
  CreatedSession,
  NewSession,
  RevokeAllOptions,
  Session,
  SessionStore,
  SessionTimeouts,
} from './session-store.js';
import { closedStoreError, maxSessionsPerUser, requireId, validateNewSession } from './validate-session-input.js';

/** Used when `keyPrefix` is not configured. */
export const DEFAULT_SESSION_KEY_PREFIX = 'coffer:session:';

/** Options of {@link RedisSessionStore}. */
export interface RedisSessionStoreOptions {
  /**
   * The client; the store owns it and quits it on {@link RedisSessionStore.close}. Build it
   * with `createRedisClient` (or {@link createSessionStoreFromUrl}) so calls fail fast.
   */
  readonly client: Redis;
  /** Prepended to every key, e.g. to share one Redis between environments. Default `coffer:session:`. */
  readonly keyPrefix?: string;
  /** Live sessions per user before the oldest is evicted. Default 100. */
  readonly maxSessionsPerUser?: number;
  /**
   * Where the one warning goes when Redis refuses `CONFIG GET` (so the eviction policy cannot
   * be checked). Default: `process.emitWarning`.
   */
  readonly logger?: Pick<Logger, 'warn'>;
}

/** The only `maxmemory-policy` under which Redis never drops a session or an index key. */
const REQUIRED_EVICTION_POLICY = 'noeviction';

const UNAVAILABLE_DETAIL = 'The session store is unavailable.';

/**
 * The production {@link SessionStore}: one Redis hash per session whose TTL is the session's
 * remaining life, a sorted set per user as the index, and Lua scripts for every change that
 * touches more than one key. Layout and reasoning: docs/adr/0010-sessions-and-rate-limits.md.
 */
export class RedisSessionStore implements SessionStore {
  private readonly client: Redis;
  private readonly redis: GuardedRedisClient;
  private readonly keyPrefix: string;
  private readonly maxPerUser: number;
  private readonly logger: Pick<Logger, 'warn'> | undefined;
  /** Set once the eviction policy was found to be `noeviction`, or could not be read (warned once). */
  private evictionPolicySettled = false;

  constructor(options: RedisSessionStoreOptions) {
    this.client = options.client;
    this.redis = new GuardedRedisClient(options.client, UNAVAILABLE_DETAIL, closedStoreError);
    this.keyPrefix = options.keyPrefix ?? DEFAULT_SESSION_KEY_PREFIX;
    this.maxPerUser = maxSessionsPerUser(options.maxSessionsPerUser);
    this.logger = options.logger;
  }

  create(session: NewSession, timeouts: SessionTimeouts): Promise<CreatedSession> {
    return this.run(async () => {
      validateNewSession(session, timeouts);
      const reply = await createSessionScript.run(
        this.client,
        [this.sessionKey(session.id), this.userKey(session.userId)],
        [
          this.sessionKey(''),
          session.id,
          session.userId,
          String(session.createdAt.getTime()),
          session.ip,
          session.userAgent,
          session.familyId ?? '',
          session.familyId === undefined ? '0' : '1',
          timeouts.idleTtlMs,
          timeouts.absoluteTtlMs,
          this.maxPerUser,
        ],
      );
      if (!Array.isArray(reply)) throw malformedReply('create');
      const [created, nowText, evicted] = reply as unknown[];
      if (created === 0) throw new AppError('conflict', { detail: 'A session with this id already exists.' });
      const now = integerField(nowText, 'create');
      if (!isStringArray(evicted)) throw malformedReply('create');
      return {
        session: {
          ...copyNewSession(session),
          lastSeenAt: new Date(now),
          idleTtlMs: timeouts.idleTtlMs,
          expiresAt: new Date(now + Math.min(timeouts.idleTtlMs, timeouts.absoluteTtlMs)),
          absoluteExpiresAt: new Date(now + timeouts.absoluteTtlMs),
        },
        evictedSessionIds: evicted,
      };
    });
  }

  get(id: string): Promise<Session | undefined> {
    return this.run(async () => {
      const fields = await this.client.hgetall(this.sessionKey(requireId('id', id)));
      return Object.keys(fields).length === 0 ? undefined : parseSession(id, fields);
    });
  }

  touch(id: string): Promise<Session | undefined> {
    return this.run(async () => {
      const reply = await touchSessionScript.run(this.client, [this.sessionKey(requireId('id', id))], []);
      return reply === null ? undefined : parseSession(id, pairsToRecord(reply, 'touch'));
    });
  }

  isActive(id: string): Promise<boolean> {
    return this.run(async () => (await this.client.exists(this.sessionKey(requireId('id', id)))) === 1);
  }

  revoke(id: string): Promise<boolean> {
    return this.run(async () => {
      const reply = await revokeSessionScript.run(this.client, [this.sessionKey(requireId('id', id))], [this.userKey(''), id]);
      return reply === 1;
    });
  }

  revokeAllForUser(userId: string, options: RevokeAllOptions = {}): Promise<number> {
    return this.run(async () => {
      const reply = await revokeAllSessionsScript.run(
        this.client,
        [this.userKey(requireId('userId', userId))],
        [this.sessionKey(''), options.except ?? '', options.except === undefined ? '0' : '1'],
      );
      return integerField(reply, 'revokeAllForUser');
    });
  }

  listForUser(userId: string): Promise<Session[]> {
    return this.run(async () => {
      const reply = await listSessionsScript.run(this.client, [this.userKey(requireId('userId', userId))], [this.sessionKey('')]);
      if (!Array.isArray(reply)) throw malformedReply('listForUser');
      return (reply as unknown[]).map((entry) => {
        if (!Array.isArray(entry)) throw malformedReply('listForUser');
        const [id, fields] = entry as unknown[];
        if (typeof id !== 'string') throw malformedReply('listForUser');
        return parseSession(id, pairsToRecord(fields, 'listForUser'));
      });
    });
  }

  /**
   * Ready when Redis answers and its `maxmemory-policy` is `noeviction`: any other policy may
   * silently drop sessions or index entries under memory pressure (a revoke-all would then miss
   * sessions), so the store refuses to be ready with `unavailable` naming the policy. The policy
   * is read with `CONFIG GET` until it is found to be `noeviction`, then not again. A server that
   * refuses `CONFIG` (renamed command, ACL, managed service) cannot be checked: one warning is
   * logged and readiness does not depend on it.
   */
  checkReady(): Promise<void> {
    return this.run(async () => {
      await this.client.ping();
      if (!this.evictionPolicySettled) await this.checkEvictionPolicy();
    });
  }

  close(): Promise<void> {
    return this.redis.close();
  }

  private async checkEvictionPolicy(): Promise<void> {
    let reply: unknown;
    try {
      reply = await this.client.config('GET', 'maxmemory-policy');
    } catch (error) {
      // A refused command is a server reply; connection trouble and transient replies still fail readiness.
      if (!(error instanceof Error && error.name === 'ReplyError' && /^(ERR|NOPERM)\b/.test(error.message))) throw error;
      this.cannotCheckEvictionPolicy(`Redis refused CONFIG GET maxmemory-policy (${error.message})`);
      return;
    }
    const policy = Array.isArray(reply) ? (reply as unknown[])[1] : undefined;
    if (typeof policy !== 'string') {
      this.cannotCheckEvictionPolicy('Redis gave no value for CONFIG GET maxmemory-policy');
      return;
    }
    if (policy !== REQUIRED_EVICTION_POLICY) {
      throw new AppError('unavailable', {
        detail: `The session store's Redis has maxmemory-policy ${policy}; it must be ${REQUIRED_EVICTION_POLICY} (an evicting policy may drop sessions).`,
      });
    }
    this.evictionPolicySettled = true;
  }

  private cannotCheckEvictionPolicy(reason: string): void {
    this.evictionPolicySettled = true;
    const message = `${reason}: cannot check that it is ${REQUIRED_EVICTION_POLICY}; make sure it is, or sessions may be evicted under memory pressure`;
    if (this.logger === undefined) process.emitWarning(message, { code: 'COFFER_SESSION_STORE_EVICTION_UNCHECKED' });
    else this.logger.warn({ check: 'maxmemory-policy' }, message);
  }

  private run<T>(action: () => Promise<T>): Promise<T> {
    return this.redis.run(action);
  }

  private sessionKey(id: string): string {
    return `${this.keyPrefix}s:${id}`;
  }

  private userKey(userId: string): string {
    return `${this.keyPrefix}u:${userId}`;
  }
}

function copyNewSession(session: NewSession): NewSession {
  const { id, userId, createdAt, ip, userAgent, familyId } = session;
  return {
    id,
    userId,
    createdAt: new Date(createdAt.getTime()),
    ip,
    userAgent,
    ...(familyId === undefined ? {} : { familyId }),
  };
}

function parseSession(id: string, fields: Readonly<Record<string, string>>): Session {
  const text = (name: string): string => {
    const value = fields[name];
    if (value === undefined) throw malformedReply(`session field ${name}`);
    return value;
  };
  const lastSeenAt = integerField(text('lastSeenAt'), 'lastSeenAt');
  const idleTtlMs = integerField(text('idleTtlMs'), 'idleTtlMs');
  const absoluteExpiresAt = integerField(text('absoluteExpiresAt'), 'absoluteExpiresAt');
  const familyId = fields['familyId'];
  return {
    id,
    userId: text('userId'),
    createdAt: new Date(integerField(text('createdAt'), 'createdAt')),
    ip: text('ip'),
    userAgent: text('userAgent'),
    ...(familyId === undefined ? {} : { familyId }),
    lastSeenAt: new Date(lastSeenAt),
    idleTtlMs,
    expiresAt: new Date(Math.min(lastSeenAt + idleTtlMs, absoluteExpiresAt)),
    absoluteExpiresAt: new Date(absoluteExpiresAt),
  };
}

/** A flat `[field, value, field, value, ...]` reply (HGETALL inside Lua) as a record. */
function pairsToRecord(reply: unknown, what: string): Record<string, string> {
  if (!isStringArray(reply) || reply.length % 2 !== 0) throw malformedReply(what);
  const record: Record<string, string> = {};
  for (let i = 0; i < reply.length; i += 2) {
    const field = reply[i];
    const value = reply[i + 1];
    if (field !== undefined && value !== undefined) record[field] = value;
  }
  return record;
}

function integerField(value: unknown, what: string): number {
  const parsed = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed)) throw malformedReply(what);
  return parsed;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function malformedReply(what: string): AppError {
  return new AppError('internal', { detail: 'An internal error occurred.', cause: new Error(`unexpected Redis reply for ${what}`) });
}
