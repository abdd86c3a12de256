import type { PolicyDecision } from './policy-engine.js';

/** Options of {@link DecisionCache}. */
export interface DecisionCacheOptions {
  /** Most entries kept; the least recently used goes first. 0 turns caching off. */
  readonly maxEntries: number;
  /** How long an entry is used, in ms (at most 1 000: the staleness bound across instances). */
  readonly ttlMs: number;
  readonly now: () => number;
}

interface Entry {
  readonly decision: PolicyDecision;
  readonly expiresAtMs: number;
  readonly generation: number;
}

/** The most a decision may be reused, in ms: what bounds staleness across several instances. */
export const MAX_DECISION_TTL_MS = 1_000;

/**
 * Authorize decisions in memory: an LRU (a Map in recency order) with a TTL of at most 1 s.
 *
 * Invalidation: any change this instance makes to grants, statements or links bumps the
 * generation, and every entry of an older generation is a miss from then on (they are dropped
 * lazily, or by LRU). So on the instance that made a change, the very next decision sees it.
 * Other instances learn of it when their entries expire: at most `ttlMs` later. An entry never
 * outlives the moment time alone would change it (a grant expiring, a statement window).
 */
export class DecisionCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  readonly #now: () => number;
  #generation = 0;

  constructor(options: DecisionCacheOptions) {
    if (!Number.isSafeInteger(options.maxEntries) || options.maxEntries < 0) throw new RangeError('maxEntries must be a whole number >= 0');
    if (!Number.isSafeInteger(options.ttlMs) || options.ttlMs < 0 || options.ttlMs > MAX_DECISION_TTL_MS) {
      throw new RangeError(`ttlMs must be a whole number from 0 to ${MAX_DECISION_TTL_MS}`);
    }
    this.#maxEntries = options.maxEntries;
    this.#ttlMs = options.ttlMs;
    this.#now = options.now;
  }

  /** The cache key of one question. Fields are joined with a separator none of them may hold. */
  static key(parts: { actorId: string; action: string; resource: string; ownerId: string; folder: string }): string {
    return [parts.actorId, parts.action, parts.resource, parts.ownerId, parts.folder].join('\n');
  }

  /** The current generation; take it before deciding and pass it to {@link set}. */
  get generation(): number {
    return this.#generation;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): PolicyDecision | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.generation !== this.#generation || entry.expiresAtMs <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    // Most recently used last.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.decision;
  }

  /**
   * Keeps a decision made at `generation`. A decision made while a change landed (the
   * generation moved on meanwhile) is not kept: it may predate the change.
   */
  set(key: string, decision: PolicyDecision, generation: number): void {
    if (this.#maxEntries === 0 || this.#ttlMs === 0 || generation !== this.#generation) return;
    const now = this.#now();
    const expiresAtMs = Math.min(now + this.#ttlMs, decision.changesAtMs ?? Number.POSITIVE_INFINITY);
    if (expiresAtMs <= now) return;
    this.#entries.delete(key);
    this.#entries.set(key, { decision, expiresAtMs, generation });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }

  /** Makes every kept decision a miss (after a change to grants, statements or links). */
  invalidateAll(): void {
    this.#generation += 1;
    this.#entries.clear();
  }
}
