import { AppError, type Logger } from '@coffer/platform';
import { fileResource, type AccessPolicy, type FileAction } from '../collaborators/access-policy.js';
import type { FileRecord, FileRecords } from '../collaborators/file-records.js';
import type { FileEventSink } from '../events/file-event-sink.js';

/** A file the actor may act on, and why the policy service allowed it. */
export interface AuthorizedFile {
  file: FileRecord;
  /** The policy decision's reason (`owner`, `grant:<id>`, …). */
  reason: string;
}

/** Options of {@link FileAccess.authorize}. */
export interface AuthorizeOptions {
  /** Also load a trashed file; only its owner ever sees it. */
  includeDeleted?: boolean;
  /** A specific version (0 = current). */
  version?: number;
  traceparent?: string;
}

/** The permission names GetFile reports, and the action each one stands for. */
export const PERMISSIONS: readonly { name: string; action: FileAction }[] = [
  { name: 'read', action: 'file:read' },
  { name: 'write', action: 'file:write' },
  { name: 'delete', action: 'file:delete' },
  { name: 'share', action: 'file:share' },
];

/**
 * Loads a file record and asks the policy service whether the actor may act on it. Deny by
 * default, and never leaks existence: an actor who may not even read the file gets the same
 * `not_found` as for an unknown id; one who may read it but not do `action` gets
 * `permission_denied`. A trashed file is visible to its owner only. Every refusal is recorded
 * as an `access.denied` event.
 */
export class FileAccess {
  constructor(
    private readonly records: FileRecords,
    private readonly policy: AccessPolicy,
    private readonly events: FileEventSink,
    private readonly logger: Logger,
  ) {}

  async authorize(actorId: string, fileId: string, action: FileAction, options: AuthorizeOptions = {}): Promise<AuthorizedFile> {
    requireActor(actorId);
    if (fileId === '') throw new AppError('invalid_argument', { detail: 'file_id is required.' });
    const file = await this.records.getFile({ id: fileId, version: options.version ?? 0, includeDeleted: options.includeDeleted === true });
    if (file.deletedAt !== undefined && file.ownerId !== actorId) throw notFound();
    const read = await this.decide(actorId, file, 'file:read', options.traceparent);
    if (!read.allowed) throw notFound();
    if (action === 'file:read') return { file, reason: read.reason };
    const decision = await this.decide(actorId, file, action, options.traceparent);
    if (!decision.allowed) throw new AppError('permission_denied', { detail: `You may not do ${action} on this file.` });
    return { file, reason: decision.reason };
  }

  /**
   * Which of read/write/delete/share the actor holds on a file they may read. A caller that has
   * just been allowed to read it (through {@link authorize}) passes `readAllowed`, which saves
   * asking the policy service the same question twice.
   */
  async permissions(actorId: string, file: FileRecord, options: { readAllowed?: boolean } = {}): Promise<string[]> {
    const decisions = await Promise.all(
      PERMISSIONS.map(async ({ name, action }) => ({
        name,
        allowed: action === 'file:read' && options.readAllowed === true ? true : (await this.decide(actorId, file, action, undefined, false)).allowed,
      })),
    );
    return decisions.filter((entry) => entry.allowed).map((entry) => entry.name);
  }

  /** Whether the actor may read the file (for filtering listings); records nothing. */
  async mayRead(actorId: string, file: FileRecord): Promise<boolean> {
    return (await this.decide(actorId, file, 'file:read', undefined, false)).allowed;
  }

  private async decide(actorId: string, file: FileRecord, action: FileAction, traceparent: string | undefined, recordDenial = true) {
    const resource = fileResource(file.id);
    const decision = await this.policy.authorize({ actorId, action, resource, resourceOwnerId: file.ownerId, resourceFolder: file.folder });
    if (!decision.allowed && recordDenial) {
      await this.events
        .accessDenied({ actorId, action, resource, ownerId: file.ownerId, reason: decision.reason === '' ? 'default-deny' : decision.reason }, traceparent)
        .catch((error: unknown) => this.logger.error({ err: error, action }, 'could not record an access.denied event'));
    }
    return decision;
  }
}

/** `invalid_argument` without an actor: the gateway always names the authenticated user. */
export function requireActor(actorId: string): void {
  if (actorId === '') throw new AppError('invalid_argument', { detail: 'actor_id is required.' });
}

function notFound(): AppError {
  return new AppError('not_found', { detail: 'File not found.' });
}
