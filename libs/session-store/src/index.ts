/**
 * @coffer/session-store: login sessions with idle and absolute timeouts, behind one interface
 * with a Redis and an in-memory implementation (docs/adr/0010-sessions-and-rate-limits.md).
 */
export {
  DEFAULT_MAX_SESSIONS_PER_USER,
  type CreatedSession,
  type NewSession,
  type RevokeAllOptions,
  type Session,
  type SessionStore,
  type SessionTimeouts,
} from './session-store.js';
export { MemorySessionStore, type Clock, type MemorySessionStoreOptions } from './memory-session-store.js';
export { DEFAULT_SESSION_KEY_PREFIX, RedisSessionStore, type RedisSessionStoreOptions } from './redis-session-store.js';
export { createSessionStoreFromUrl, type SessionStoreFromUrlOptions } from './create-session-store-from-url.js';
