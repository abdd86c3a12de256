import { AppError } from '@coffer/platform';
import type {
  CreatedSession,
  NewSession,
  RevokeAllOptions,
  Session,
  SessionStore,
  SessionTimeouts,
} from './session-store.js';
import { closedStoreError, maxSessionsPerUser, requireId, validateNewSession } from './validate-session-input.js';

/** Milliseconds since the epoch, like `Date.now`. Injected so tests can move time by hand. */
export type Clock = () => number;

/** Options of {@link MemorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** Live sessions per user before the oldest is evicted. Default 100. */
  readonly maxSessionsPerUser?: number;
  /** Default `Date.now`. */
  readonly clock?: Clock;
  /**
   * Expired sessions are dropped when next looked at, and all of them at most this often
   * (checked on create), so a long-running dev process does not grow. Default 60 000 ms.
   */
  readonly sweepIntervalMs?: number;
}

interface StoredSession {
  readonly session: NewSession;
  /** Store time of creation: orders sessions for listing and eviction. */
  readonly storedAt: number;
  lastSeenAt: number;
  readonly idleTtlMs: number;
  readonly absoluteExpiresAt: number;
}

function expiresAt(stored: StoredSession): number {
  return Math.min(stored.lastSeenAt + stored.idleTtlMs, stored.absoluteExpiresAt);
}

/** Creation order, ties by id bytes: the order of the Redis sorted-set index. */
function olderFirst(a: { id: string; stored: StoredSession }, b: { id: string; stored: StoredSession }): number {
  return a.stored.storedAt - b.stored.storedAt || Buffer.compare(Buffer.from(a.id), Buffer.from(b.id));
}

function toSession(stored: StoredSession): Session {
  const { id, userId, createdAt, ip, userAgent, familyId } = stored.session;
  return {
    id,
    userId,
    createdAt: new Date(createdAt.getTime()),
    ip,
    userAgent,
    ...(familyId === undefined ? {} : { familyId }),
    lastSeenAt: new Date(stored.lastSeenAt),
    idleTtlMs: stored.idleTtlMs,
    expiresAt: new Date(expiresAt(stored)),
    absoluteExpiresAt: new Date(stored.absoluteExpiresAt),
  };
}

/**
 * The embedded {@link SessionStore}: plain maps in this process, for `make dev` and single-node
 * runs. Same semantics as the Redis store (the shared contract suite runs against both); a
 * session is live while `now < min(lastSeen + idle, absolute deadline)` by the injected clock.
 * Nothing is shared between processes.
 */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, StoredSession>();
  private readonly sessionsByUser = new Map<string, Set<string>>();
  private readonly maxPerUser: number;
  private readonly clock: Clock;
  private readonly sweepIntervalMs: number;
  private lastSweepAt: number;
  private closed = false;

  constructor(options: MemorySessionStoreOptions = {}) {
    this.maxPerUser = maxSessionsPerUser(options.maxSessionsPerUser);
    this.clock = options.clock ?? Date.now;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    this.lastSweepAt = this.clock();
  }

  create(session: NewSession, timeouts: SessionTimeouts): Promise<CreatedSession> {
    return this.run((now) => {
      validateNewSession(session, timeouts);
      this.sweepIfDue(now);
      if (this.live(session.id, now) !== undefined) {
        throw new AppError('conflict', { detail: 'A session with this id already exists.' });
      }
      const userSessions = this.liveSessionsOf(session.userId, now);
      const evictedSessionIds: string[] = [];
      for (const { id } of userSessions.slice(0, Math.max(0, userSessions.length - this.maxPerUser + 1))) {
        this.remove(id);
        evictedSessionIds.push(id);
      }
      const stored: StoredSession = {
        session: { ...session, createdAt: new Date(session.createdAt.getTime()) },
        storedAt: now,
        lastSeenAt: now,
        idleTtlMs: timeouts.idleTtlMs,
        absoluteExpiresAt: now + timeouts.absoluteTtlMs,
      };
      this.sessions.set(session.id, stored);
      this.userIndex(session.userId).add(session.id);
      return { session: toSession(stored), evictedSessionIds };
    });
  }

  get(id: string): Promise<Session | undefined> {
    return this.run((now) => {
      const stored = this.live(requireId('id', id), now);
      return stored === undefined ? undefined : toSession(stored);
    });
  }

  touch(id: string): Promise<Session | undefined> {
    return this.run((now) => {
      const stored = this.live(requireId('id', id), now);
      if (stored === undefined) return undefined;
      stored.lastSeenAt = now;
      return toSession(stored);
    });
  }

  isActive(id: string): Promise<boolean> {
    return this.run((now) => this.live(requireId('id', id), now) !== undefined);
  }

  revoke(id: string): Promise<boolean> {
    return this.run((now) => {
      if (this.live(requireId('id', id), now) === undefined) return false;
      this.remove(id);
      return true;
    });
  }

  revokeAllForUser(userId: string, options: RevokeAllOptions = {}): Promise<number> {
    return this.run((now) => {
      const victims = this.liveSessionsOf(requireId('userId', userId), now).filter(({ id }) => id !== options.except);
      for (const { id } of victims) this.remove(id);
      return victims.length;
    });
  }

  listForUser(userId: string): Promise<Session[]> {
    return this.run((now) => this.liveSessionsOf(requireId('userId', userId), now).map(({ stored }) => toSession(stored)));
  }

  checkReady(): Promise<void> {
    return this.run(() => undefined);
  }

  close(): Promise<void> {
    this.closed = true;
    this.sessions.clear();
    this.sessionsByUser.clear();
    return Promise.resolve();
  }

  /** Runs `action` at one instant; synchronous throws become rejections, like the Redis store's. */
  private run<T>(action: (now: number) => T): Promise<T> {
    try {
      if (this.closed) throw closedStoreError();
      return Promise.resolve(action(this.clock()));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** The session if live; an expired one is dropped on the way. */
  private live(id: string, now: number): StoredSession | undefined {
    const stored = this.sessions.get(id);
    if (stored === undefined) return undefined;
    if (now >= expiresAt(stored)) {
      this.remove(id);
      return undefined;
    }
    return stored;
  }

  /** The user's live sessions, oldest first; expired ones are dropped on the way. */
  private liveSessionsOf(userId: string, now: number): { id: string; stored: StoredSession }[] {
    const ids = this.sessionsByUser.get(userId);
    if (ids === undefined) return [];
    const result: { id: string; stored: StoredSession }[] = [];
    for (const id of [...ids]) {
      const stored = this.live(id, now);
      if (stored !== undefined) result.push({ id, stored });
    }
    return result.sort(olderFirst);
  }

  private userIndex(userId: string): Set<string> {
    let ids = this.sessionsByUser.get(userId);
    if (ids === undefined) {
      ids = new Set();
      this.sessionsByUser.set(userId, ids);
    }
    return ids;
  }

  private remove(id: string): void {
    const stored = this.sessions.get(id);
    if (stored === undefined) return;
    this.sessions.delete(id);
    const ids = this.sessionsByUser.get(stored.session.userId);
    ids?.delete(id);
    if (ids?.size === 0) this.sessionsByUser.delete(stored.session.userId);
  }

  private sweepIfDue(now: number): void {
    if (now - this.lastSweepAt < this.sweepIntervalMs) return;
    this.lastSweepAt = now;
    for (const [id, stored] of this.sessions) {
      if (now >= expiresAt(stored)) this.remove(id);
    }
  }
}
