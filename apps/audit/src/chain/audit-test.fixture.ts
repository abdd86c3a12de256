import { randomUUID } from 'node:crypto';
import { createEvent, type CloudEvent } from '@coffer/events';
import { generateHmacKey, HmacKeyRing } from '@coffer/integrity';
import { auditRecordOf, chainRow, GENESIS_HASH, type AuditRow } from './audit-record.js';
import { signCheckpoint, type ChainCheckpoint, type CheckpointStore } from './checkpoint-store.js';

/** A valid file.uploaded event (platform schema) about `fileId`, by `actorId`, owned by `ownerId`. */
export function fileUploaded(options: { fileId?: string; actorId?: string; ownerId?: string; time?: Date; id?: string; name?: string } = {}): CloudEvent {
  const fileId = options.fileId ?? randomUUID();
  const ownerId = options.ownerId ?? randomUUID();
  return createEvent({
    type: 'file.uploaded',
    source: '/coffer/metadata',
    subject: fileId,
    ...(options.id === undefined ? {} : { id: options.id }),
    time: options.time ?? new Date(),
    data: {
      fileId,
      ownerId,
      actorId: options.actorId ?? ownerId,
      name: options.name ?? 'report.pdf',
      folder: '/',
      version: 1,
      size: 10,
      sha256: 'a'.repeat(64),
      created: true,
    },
  });
}

/** A valid auth.login_failed event (outcome failure). */
export function loginFailed(subject: string = randomUUID()): CloudEvent {
  return createEvent({ type: 'auth.login_failed', source: '/coffer/auth', subject, data: { reason: 'bad_credentials' } });
}

/** A valid access.denied event (outcome denied). */
export function accessDenied(actorId: string, resource: string, ownerId?: string): CloudEvent {
  return createEvent({
    type: 'access.denied',
    source: '/coffer/policy',
    subject: resource,
    data: { actorId, action: 'file:read', resource, reason: 'no grant', ...(ownerId === undefined ? {} : { ownerId }) },
  });
}

/** Chains events after `prev` the way the ingestor does. */
export function chainEvents(events: readonly CloudEvent[], prev: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH }): AuditRow[] {
  const rows: AuditRow[] = [];
  let head = prev;
  for (const event of events) {
    const row = chainRow(auditRecordOf(event), head, Date.now());
    rows.push(row);
    head = row;
  }
  return rows;
}

/** A ring with one fresh key. */
export function testKeyRing(): HmacKeyRing {
  const key = generateHmacKey('test-key');
  return new HmacKeyRing({ activeKeyId: key.id, keys: [key] });
}

/** Checkpoints in memory (unit tests). */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly items: ChainCheckpoint[] = [];

  migrate(): Promise<readonly string[]> {
    return Promise.resolve([]);
  }

  add(checkpoint: ChainCheckpoint): Promise<void> {
    if (!this.items.some((item) => item.seq === checkpoint.seq)) this.items.push(checkpoint);
    this.items.sort((a, b) => a.seq - b.seq);
    return Promise.resolve();
  }

  list(): Promise<ChainCheckpoint[]> {
    return Promise.resolve([...this.items]);
  }

  latest(): Promise<ChainCheckpoint | undefined> {
    return Promise.resolve(this.items.at(-1));
  }

  /** Signs and adds a checkpoint at a row. */
  async sign(keys: HmacKeyRing, row: AuditRow): Promise<void> {
    await this.add(signCheckpoint(keys, row.seq, row.hash, Date.now()));
  }
}
