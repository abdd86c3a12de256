import type { AuditOutcome, AuditRow } from '../chain/audit-record.js';

/** Which rows a query selects, and for whom. */
export interface AuditQuery {
  /** The user asking. Non-admins see rows whose actor, owner or subject is this id. */
  readonly requesterId: string;
  readonly requesterAdmin: boolean;
  readonly actorId?: string;
  readonly subject?: string;
  readonly action?: string;
  readonly outcome?: AuditOutcome;
  /** Inclusive lower bound of the event time, epoch ms. */
  readonly fromMs?: number;
  /** Exclusive upper bound of the event time, epoch ms. */
  readonly toMs?: number;
}

/** One keyset page, newest first: rows with seq below `beforeSeq` (all when undefined). */
export interface AuditPageRequest {
  readonly beforeSeq?: number;
  readonly limit: number;
}

/** The last row of the chain (seq 0 and the genesis hash when empty). */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/**
 * Where audit rows live: ClickHouse in production ({@link ClickHouseAuditStore}), a table in
 * PGlite/PostgreSQL in dev ({@link EmbeddedAuditStore}). One contract suite
 * (test/audit-store.contract.ts) runs against both.
 *
 * Rows are written by one chain writer (the ingestor); a row is never changed afterwards.
 */
export interface AuditStore {
  /** For logs and readiness: `clickhouse` or `embedded`. */
  readonly kind: 'clickhouse' | 'embedded';
  /** Applies the store's versioned migrations; returns the names applied now. */
  migrate(): Promise<readonly string[]>;
  /** Throws when the store does not answer. */
  ping(): Promise<void>;
  /** The row with the highest seq. */
  chainHead(): Promise<ChainHead>;
  /** Which of these event ids already have a row. */
  existingIds(ids: readonly string[]): Promise<ReadonlySet<string>>;
  /**
   * Writes rows durably (resolves only once the store has them). Idempotent by id: writing a
   * row whose id is already stored leaves one visible row.
   */
  append(rows: readonly AuditRow[]): Promise<void>;
  /** One page of the rows a query selects, seq descending, one row per id. */
  query(query: AuditQuery, page: AuditPageRequest): Promise<AuditRow[]>;
  /**
   * The raw rows with `afterSeq < seq <= toSeq`, ordered by seq (then hash), for verification:
   * no deduplication beyond identical copies, so a conflicting second row for one seq shows.
   */
  scanChain(afterSeq: number, toSeq: number): Promise<AuditRow[]>;
  /** Releases connections. */
  close(): Promise<void>;
}
