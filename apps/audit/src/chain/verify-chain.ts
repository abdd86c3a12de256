import type { HmacKeyRing } from '@coffer/integrity';
import type { AuditStore } from '../store/audit-store.js';
import { chainHash, GENESIS_HASH } from './audit-record.js';
import { checkpointSignatureValid, type CheckpointStore } from './checkpoint-store.js';

/** What {@link verifyChain} found. `ok` is false when `problems` is not empty. */
export interface ChainVerification {
  readonly ok: boolean;
  readonly rowsChecked: number;
  readonly checkpointsChecked: number;
  /** One line per problem, e.g. `seq 42: hash mismatch (row edited)`. At most `maxProblems`. */
  readonly problems: readonly string[];
}

/** Options of {@link verifyChain}. */
export interface VerifyChainOptions {
  /** Rows read per store query. Default 10,000. */
  readonly pageSize?: number;
  /** Problems listed before the rest are summarised. Default 1,000. */
  readonly maxProblems?: number;
}

/**
 * Recomputes every row's hash in seq order and checks the chain against the signed
 * checkpoints. Finds:
 * - an edited row: its stored hash is not the hash of its contents;
 * - a deleted row: a gap in seq (or a checkpointed seq that has no row);
 * - reordered or replaced rows: a row's prev_hash is not the previous row's hash (a moved row
 *   also fails its own hash, which covers seq);
 * - two different rows at one seq;
 * - a rewritten chain (every hash recomputed): the rows no longer match a checkpoint;
 * - truncation: the last checkpoint's seq is beyond the last row.
 * Rows after the last checkpoint are protected by the hash links only (see docs/services/audit.md).
 */
export async function verifyChain(store: AuditStore, checkpoints: CheckpointStore, keys: HmacKeyRing, options: VerifyChainOptions = {}): Promise<ChainVerification> {
  const pageSize = options.pageSize ?? 10_000;
  const maxProblems = options.maxProblems ?? 1_000;
  const problems: string[] = [];
  let dropped = 0;
  const report = (problem: string): void => {
    if (problems.length < maxProblems) problems.push(problem);
    else dropped += 1;
  };

  const signed = await checkpoints.list();
  const bySeq = new Map(signed.map((checkpoint) => [checkpoint.seq, checkpoint]));
  for (const checkpoint of signed) {
    if (!checkpointSignatureValid(keys, checkpoint)) report(`checkpoint at seq ${checkpoint.seq}: signature is not valid (unknown key ${JSON.stringify(checkpoint.keyId)} or forged)`);
  }
  const lastCheckpoint = signed.at(-1);

  const head = await store.chainHead();
  const lastSeq = Math.max(head.seq, lastCheckpoint?.seq ?? 0);
  let rowsChecked = 0;
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let previousSeq = 0;
  const seenCheckpoints = new Set<number>();
  for (let from = 0; from < lastSeq; from += pageSize) {
    const rows = await store.scanChain(from, Math.min(from + pageSize, lastSeq));
    for (const row of rows) {
      rowsChecked += 1;
      if (row.seq === previousSeq) {
        report(`seq ${row.seq}: more than one row (id ${row.id} conflicts with another row at this position)`);
        continue;
      }
      let gap = false;
      if (row.seq > expectedSeq) {
        report(row.seq - 1 === expectedSeq ? `seq ${expectedSeq}: missing (row deleted)` : `seq ${expectedSeq}..${row.seq - 1}: missing (rows deleted)`);
        gap = true;
      }
      const recomputed = chainHash(row.prevHash, row.seq, row);
      if (recomputed !== row.hash) {
        report(`seq ${row.seq}: hash mismatch (row edited or moved)`);
      } else if (!gap && row.prevHash !== prevHash) {
        report(`seq ${row.seq}: prev_hash does not match the hash of seq ${row.seq - 1} (rows reordered or replaced)`);
      }
      const checkpoint = bySeq.get(row.seq);
      if (checkpoint !== undefined) {
        seenCheckpoints.add(row.seq);
        if (checkpoint.hash !== row.hash) report(`seq ${row.seq}: hash differs from the signed checkpoint (chain rewritten)`);
      }
      prevHash = row.hash;
      expectedSeq = row.seq + 1;
      previousSeq = row.seq;
    }
  }
  for (const checkpoint of signed) {
    if (seenCheckpoints.has(checkpoint.seq)) continue;
    if (checkpoint.seq > head.seq) report(`checkpoint at seq ${checkpoint.seq}: the chain ends at seq ${head.seq} (rows truncated)`);
    else report(`checkpoint at seq ${checkpoint.seq}: no row at this position (row deleted)`);
  }
  if (dropped > 0) problems.push(`… and ${dropped} more problems`);
  return { ok: problems.length === 0, rowsChecked, checkpointsChecked: signed.length, problems };
}
