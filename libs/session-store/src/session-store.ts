/**
 * What a login creates. `id` is chosen by the caller (at least 128 random bits, e.g. the `sid`
 * claim of the access token); the store never invents ids.
 */
export interface NewSession {
  /** Opaque, unique session id. Reusing the id of a live session is a conflict. */
  readonly id: string;
  /** The user the session belongs to; sessions are listed and revoked per user. */
  readonly userId: string;
  /**
   * When the login happened, as the caller saw it; shown to the user. The timeouts are counted
   * from the store's own clock at {@link SessionStore.create}, not from this value.
   */
  readonly createdAt: Date;
  /** Client address as the edge saw it; shown to the user. */
  readonly ip: string;
  /** `User-Agent` of the login request; shown to the user. Truncating it is the caller's job. */
  readonly userAgent: string;
  /** The refresh-token family bound to this session, when there is one. */
  readonly familyId?: string;
}

/** How long a session lives. Both are positive whole milliseconds, at most ten years. */
export interface SessionTimeouts {
  /** Without {@link SessionStore.touch} for this long, the session ends. */
  readonly idleTtlMs: number;
  /** The session ends this long after creation however often it is touched. */
  readonly absoluteTtlMs: number;
}

/** A live session as the store returns it: what was created plus its lifecycle. */
export interface Session extends NewSession {
  /** Store time of creation or of the last {@link SessionStore.touch}. */
  readonly lastSeenAt: Date;
  /** The idle timeout the session was created with. */
  readonly idleTtlMs: number;
  /** When the session ends if it is not touched again: min(lastSeenAt + idle, absolute). */
  readonly expiresAt: Date;
  /** When the session ends at the latest. */
  readonly absoluteExpiresAt: Date;
}

/** What {@link SessionStore.create} did. */
export interface CreatedSession {
  readonly session: Session;
  /**
   * Live sessions of the same user that were revoked to stay within the per-user bound
   * (oldest first; usually empty). Callers emit "session revoked" for these.
   */
  readonly evictedSessionIds: readonly string[];
}

/** Options of {@link SessionStore.revokeAllForUser}. */
export interface RevokeAllOptions {
  /** A session id to keep, e.g. the caller's own session on "log out everywhere else". */
  readonly except?: string;
}

/**
 * Login sessions with an idle and an absolute timeout.
 *
 * Semantics shared by every implementation (one contract test suite checks them):
 * - A session is live from {@link create} until the first of: its idle deadline (last seen +
 *   idle TTL), its absolute deadline (creation + absolute TTL), {@link revoke},
 *   {@link revokeAllForUser}, or eviction by the per-user bound. After that it is gone for
 *   every method at once; nothing brings it back.
 * - Each user has at most `maxSessionsPerUser` live sessions (default 100): creating one more
 *   revokes the oldest by creation (ties by id), see {@link CreatedSession.evictedSessionIds}.
 * - Expired sessions disappear from {@link listForUser} at once; their index entries are
 *   removed lazily by the next create, list or revoke-all of that user.
 * - All methods reject with `AppError('unavailable')` (with `retryAfterSeconds`) when the
 *   backing engine cannot be reached or after {@link close}, and never wait longer than the
 *   configured command timeout. Bad arguments reject with `AppError('invalid_argument')`.
 */
export interface SessionStore {
  /**
   * Stores a new live session. Rejects with `conflict` when a live session has this id, and
   * with `invalid_argument` for empty ids or timeouts that are not positive whole numbers.
   */
  create(session: NewSession, timeouts: SessionTimeouts): Promise<CreatedSession>;

  /** The live session with this id, or undefined. Does not count as activity. */
  get(id: string): Promise<Session | undefined>;

  /**
   * Records activity: sets last seen to now and moves the idle deadline to now + idle TTL, but
   * never past the absolute deadline. Returns the updated session, or undefined when it is not
   * live (a touch never revives a session).
   */
  touch(id: string): Promise<Session | undefined>;

  /** Whether the session is live. Cheap: the check the edge runs on each request. */
  isActive(id: string): Promise<boolean>;

  /** Ends the session at once. True when it was live. */
  revoke(id: string): Promise<boolean>;

  /** Ends every live session of the user except `options.except`; returns how many ended. */
  revokeAllForUser(userId: string, options?: RevokeAllOptions): Promise<number>;

  /** The user's live sessions, oldest first (by creation, ties by id). */
  listForUser(userId: string): Promise<Session[]>;

  /**
   * Readiness check: resolves when the store can serve requests, rejects with
   * `AppError('unavailable')` otherwise. Fits `Readiness.add` of `@coffer/platform`.
   */
  checkReady(): Promise<void>;

  /** Releases connections. Idempotent; every later call rejects with `unavailable`. */
  close(): Promise<void>;
}

/** Used when `maxSessionsPerUser` is not configured. */
export const DEFAULT_MAX_SESSIONS_PER_USER = 100;
