import type { Knex } from 'knex';
import { isUniqueViolation, runQuery, withTransaction, type Database } from '@coffer/db';
import { writeToOutbox } from '@coffer/outbox';
import { AppError } from '@coffer/platform';
import { metadataEvent, type ChangeContext } from './file-events.js';
import {
  FILE_VERSIONS_TABLE,
  FILES_TABLE,
  LIVE_NAME_UNIQUE_INDEX,
  METADATA_SCHEMA,
  OWNER_USAGE_TABLE,
  STORAGE_KEY_UNIQUE,
} from './metadata-migrations.js';
import { decodeFilePageToken, encodeFilePageToken, type FileSortKey } from './page-token.js';
import { uuidv7 } from './uuidv7.js';

/** One stored version of a file. */
export interface FileVersionRecord {
  readonly fileId: string;
  readonly version: number;
  readonly sizeBytes: number;
  readonly declaredContentType: string;
  readonly sniffedContentType: string;
  readonly sha256: string;
  readonly hmacSha256: string;
  readonly hmacKeyId: string;
  readonly storageKey: string;
  /** Who uploaded this version (the owner or a write grantee). */
  readonly createdBy: string;
  readonly createdAt: Date;
  /** Set when the version's bytes failed verification. */
  readonly quarantinedAt: Date | undefined;
}

/** A file with one of its versions (the current one unless another was asked for). */
export interface FileWithVersion {
  readonly id: string;
  readonly ownerId: string;
  readonly name: string;
  readonly folder: string;
  readonly currentVersion: number;
  readonly versionCount: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Set while the file is in the trash. */
  readonly deletedAt: Date | undefined;
  readonly version: FileVersionRecord;
}

/** The content of a new version; validated by the caller. */
export interface NewVersion {
  readonly sizeBytes: number;
  readonly declaredContentType: string;
  readonly sniffedContentType: string;
  readonly sha256: string;
  readonly hmacSha256: string;
  readonly hmacKeyId: string;
  readonly storageKey: string;
}

/** Limits CreateFile checks inside its transaction; 0 = unlimited. */
export interface QuotaLimits {
  readonly maxBytes: number;
  readonly maxFiles: number;
}

/** What {@link FileRepository.createFile} stores. */
export interface CreateFileInput extends ChangeContext {
  readonly ownerId: string;
  readonly name: string;
  readonly folder: string;
  /** Add a version to this file instead of resolving (owner, folder, name). */
  readonly fileId?: string | undefined;
  /** Fail `conflict` instead of adding a version when the name is taken. */
  readonly ifAbsent: boolean;
  readonly quota: QuotaLimits;
  readonly content: NewVersion;
}

/** Result of {@link FileRepository.createFile}. */
export interface CreateFileResult {
  readonly file: FileWithVersion;
  /** True for a new file, false for a new version of an existing one. */
  readonly created: boolean;
}

/** Options of {@link FileRepository.listFiles}. */
export interface ListFilesOptions {
  readonly ownerId: string;
  readonly includeOwned: boolean;
  /** Files of other owners the caller may read; only live ones are listed. */
  readonly sharedFileIds: readonly string[];
  /** The owner's trash instead of live files (shared ids are ignored then). */
  readonly trashed: boolean;
  readonly folder?: string | undefined;
  readonly namePrefix?: string | undefined;
  /** `type/subtype` or `type/*`, lower case, matched against the sniffed type. */
  readonly contentType?: string | undefined;
  readonly sort: FileSortKey;
  readonly descending: boolean;
  readonly pageSize: number;
  readonly pageToken?: string | undefined;
}

/** One page of {@link FileRepository.listFiles}. */
export interface FilePage {
  readonly files: readonly FileWithVersion[];
  /** Opaque; undefined on the last page. */
  readonly nextPageToken: string | undefined;
}

/** Bytes and files an owner stores (trashed ones count until purged). */
export interface OwnerUsage {
  readonly bytesUsed: number;
  readonly fileCount: number;
}

/** What {@link FileRepository.quarantine} records. */
export interface QuarantineInput {
  readonly fileId: string;
  /** 0 = the current version. */
  readonly version: number;
  readonly reason: string;
  readonly detectedBy: 'read' | 'scrub';
  readonly traceparent?: string | undefined;
}

/**
 * Where file records, versions and usage live. Every change runs in one transaction that also
 * writes its event to the outbox, so an event exists if and only if its change committed.
 * Ids are UUIDs checked by the caller. Fails with AppErrors (database errors translated).
 */
export interface FileRepository {
  createFile(input: CreateFileInput): Promise<CreateFileResult>;
  /** The file with its current version (or `version`); trashed only with `includeDeleted`. */
  getFile(id: string, options?: { readonly version?: number; readonly includeDeleted?: boolean }): Promise<FileWithVersion | undefined>;
  listFiles(options: ListFilesOptions): Promise<FilePage>;
  /** Renames and/or moves a live file; undefined when there is none. */
  updateFile(id: string, changes: { readonly name?: string | undefined; readonly folder?: string | undefined }, context: ChangeContext): Promise<FileWithVersion | undefined>;
  /** Moves a file to the trash (idempotent); false when no file has the id. */
  trashFile(id: string, context: ChangeContext): Promise<boolean>;
  /** Removes a file and every version; the storage keys to delete, undefined when none had the id. */
  purgeFile(id: string, context: ChangeContext): Promise<string[] | undefined>;
  /** Takes a file out of the trash (a live one is returned as it is); undefined when none had the id. */
  restoreFile(id: string, context: ChangeContext): Promise<FileWithVersion | undefined>;
  /** Every version, newest first; undefined when no file (live or trashed) has the id. */
  listVersions(fileId: string): Promise<FileVersionRecord[] | undefined>;
  getUsage(ownerId: string): Promise<OwnerUsage>;
  /** Marks a version quarantined (keeps the first time); false when there is no such version. */
  quarantine(input: QuarantineInput): Promise<boolean>;
  /** The given keys no version refers to, in the order given, without duplicates. */
  findUnreferencedKeys(storageKeys: readonly string[]): Promise<string[]>;
  /** Versions in storage-key order after `afterStorageKey` ('' = from the start). */
  scanVersions(afterStorageKey: string, pageSize: number): Promise<FileVersionRecord[]>;
}

/** Options of {@link KnexFileRepository}. */
export interface KnexFileRepositoryOptions {
  /** The clock for every timestamp. Default: the system clock. */
  readonly now?: () => Date;
}

interface FileRow {
  id: string;
  owner_id: string;
  name: string;
  folder: string;
  current_version: number;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

interface VersionRow {
  file_id: string;
  version: number;
  /** int8 arrives as text (see @coffer/db result-types). */
  size_bytes: string;
  declared_content_type: string;
  sniffed_content_type: string;
  sha256: string;
  hmac_sha256: string;
  hmac_key_id: string;
  storage_key: string;
  created_by: string;
  created_at: Date;
  quarantined_at: Date | null;
}

interface RecordRow extends FileRow {
  version_count: number;
  version: number;
  size_bytes: string;
  declared_content_type: string;
  sniffed_content_type: string;
  sha256: string;
  hmac_sha256: string;
  hmac_key_id: string;
  storage_key: string;
  created_by: string;
  version_created_at: Date;
  quarantined_at: Date | null;
}

interface UsageRow {
  owner_id: string;
  bytes_used: string;
  file_count: number;
}

const FILES = `${METADATA_SCHEMA}.${FILES_TABLE}`;
const VERSIONS = `${METADATA_SCHEMA}.${FILE_VERSIONS_TABLE}`;
const USAGE = `${METADATA_SCHEMA}.${OWNER_USAGE_TABLE}`;

const FILE_COLUMNS = ['id', 'owner_id', 'name', 'folder', 'current_version', 'created_at', 'updated_at', 'deleted_at'] as const;
const VERSION_COLUMNS = [
  'file_id',
  'version',
  'size_bytes',
  'declared_content_type',
  'sniffed_content_type',
  'sha256',
  'hmac_sha256',
  'hmac_key_id',
  'storage_key',
  'created_by',
  'created_at',
  'quarantined_at',
] as const;

/** The sort expression of each order; `f.id` breaks ties. */
const SORT_COLUMNS: Readonly<Record<FileSortKey, { readonly column: string; readonly cast: string }>> = {
  name: { column: 'f.name', cast: 'text' },
  size: { column: 'v.size_bytes', cast: 'bigint' },
  updated_at: { column: 'f.updated_at', cast: 'timestamptz' },
};

/** {@link FileRepository} on PostgreSQL or PGlite (through knex), in the `metadata` schema. */
export class KnexFileRepository implements FileRepository {
  private readonly now: () => Date;

  constructor(
    private readonly db: Database,
    options: KnexFileRepositoryOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  async createFile(input: CreateFileInput): Promise<CreateFileResult> {
    return withTransaction(this.db, async (trx) => {
      let ownerId = input.ownerId;
      if (input.fileId !== undefined) {
        // The owner first, without a lock: usage rows are always locked before file rows, so
        // CreateFile and DeleteFile never wait for each other in opposite orders.
        const owner = await trx(FILES).select('owner_id').where('id', input.fileId).first<{ owner_id: string } | undefined>();
        if (owner === undefined) throw fileNotFound();
        if (owner.owner_id !== ownerId) throw new AppError('invalid_argument', { detail: "file.ownerId: does not match the file's owner." });
        ownerId = owner.owner_id;
      }
      // Locks the owner's usage row: concurrent uploads of one owner run one after the other
      // from here, so two of them can never both pass the quota.
      const usage = await lockUsage(trx, ownerId);

      let target: FileRow | undefined;
      if (input.fileId !== undefined) {
        target = await trx(FILES).select(FILE_COLUMNS).where('id', input.fileId).forUpdate().first<FileRow | undefined>();
        if (target === undefined || target.deleted_at !== null) throw fileNotFound();
      } else {
        target = await trx(FILES)
          .select(FILE_COLUMNS)
          .where({ owner_id: ownerId, folder: input.folder, name: input.name })
          .whereNull('deleted_at')
          .forUpdate()
          .first<FileRow | undefined>();
        if (target !== undefined && input.ifAbsent) {
          throw new AppError('conflict', { detail: 'name: a file with this name already exists in the folder.' });
        }
      }
      const created = target === undefined;
      const size = input.content.sizeBytes;

      if (input.quota.maxBytes > 0 && usage.bytesUsed + size > input.quota.maxBytes) {
        throw new AppError('quota_exceeded', {
          detail: `Storage quota exceeded: ${usage.bytesUsed} of ${input.quota.maxBytes} bytes are used and this upload needs ${size} more.`,
        });
      }
      if (created && input.quota.maxFiles > 0 && usage.fileCount + 1 > input.quota.maxFiles) {
        throw new AppError('quota_exceeded', { detail: `File quota exceeded: ${usage.fileCount} of ${input.quota.maxFiles} files are stored.` });
      }

      const now = this.now();
      const fileId = target?.id ?? uuidv7(now.getTime());
      const version = target === undefined ? 1 : target.current_version + 1;
      const name = target?.name ?? input.name;
      const folder = target?.folder ?? input.folder;
      if (target === undefined) {
        const row: FileRow = { id: fileId, owner_id: ownerId, name, folder, current_version: 1, created_at: now, updated_at: now, deleted_at: null };
        await trx(FILES).insert(row).catch(rethrowConflicts);
      }
      const versionRow: Omit<VersionRow, 'size_bytes'> & { size_bytes: number } = {
        file_id: fileId,
        version,
        size_bytes: size,
        declared_content_type: input.content.declaredContentType,
        sniffed_content_type: input.content.sniffedContentType,
        sha256: input.content.sha256,
        hmac_sha256: input.content.hmacSha256,
        hmac_key_id: input.content.hmacKeyId,
        storage_key: input.content.storageKey,
        created_by: input.actorId,
        created_at: now,
        quarantined_at: null,
      };
      await trx(VERSIONS).insert(versionRow).catch(rethrowConflicts);
      if (target !== undefined) await trx(FILES).update({ current_version: version, updated_at: now }).where('id', fileId);
      await trx(USAGE)
        .update({ bytes_used: trx.raw('bytes_used + ?::bigint', [size]), file_count: trx.raw('file_count + ?::int', [created ? 1 : 0]) })
        .where('owner_id', ownerId);

      await writeToOutbox(trx, METADATA_SCHEMA, [
        metadataEvent(
          'file.uploaded',
          {
            fileId,
            ownerId,
            actorId: input.actorId,
            name,
            folder,
            version,
            size,
            sha256: input.content.sha256,
            contentType: input.content.declaredContentType,
            sniffedContentType: input.content.sniffedContentType,
            created,
          },
          { time: now, traceparent: input.traceparent, authorizedBy: input.authorizedBy },
        ),
      ]);
      return { file: await readFile(trx, fileId, { version, includeDeleted: false }).then(required), created };
    });
  }

  async getFile(id: string, options: { readonly version?: number; readonly includeDeleted?: boolean } = {}): Promise<FileWithVersion | undefined> {
    return runQuery(this.db, (knex) => readFile(knex, id, { version: options.version ?? 0, includeDeleted: options.includeDeleted === true }));
  }

  async listFiles(options: ListFilesOptions): Promise<FilePage> {
    const { pageSize, sort, descending } = options;
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be a whole number >= 1 (got ${pageSize})`);
    const after = options.pageToken === undefined || options.pageToken === '' ? undefined : decodeFilePageToken(options.pageToken, { sort, descending });
    const shared = options.trashed ? [] : options.sharedFileIds;
    if (!options.trashed && !options.includeOwned && shared.length === 0) return { files: [], nextPageToken: undefined };

    const { column, cast } = SORT_COLUMNS[sort];
    const direction = descending ? 'desc' : 'asc';
    const rows = await runQuery(this.db, async (knex) => {
      const query = recordQuery(knex, 'current');
      if (options.trashed) {
        void query.where('f.owner_id', options.ownerId).whereNotNull('f.deleted_at');
      } else {
        void query.whereNull('f.deleted_at');
        if (options.includeOwned && shared.length > 0) {
          void query.whereRaw('(f.owner_id = ?::uuid or f.id = any(?::uuid[]))', [options.ownerId, shared]);
        } else if (options.includeOwned) {
          void query.where('f.owner_id', options.ownerId);
        } else {
          void query.whereRaw('f.id = any(?::uuid[])', [shared]);
        }
      }
      if (options.folder !== undefined) void query.where('f.folder', options.folder);
      if (options.namePrefix !== undefined && options.namePrefix !== '') {
        void query.whereRaw("f.name like ? escape '\\'", [`${escapeLike(options.namePrefix)}%`]);
      }
      if (options.contentType !== undefined) {
        const [type, subtype] = options.contentType.split('/');
        if (subtype === '*') {
          void query.whereRaw("lower(v.sniffed_content_type) like ? escape '\\'", [`${escapeLike(type ?? '')}/%`]);
        } else {
          // Parameters (`; charset=…`) do not change the type.
          void query.whereRaw("(lower(v.sniffed_content_type) = ? or lower(v.sniffed_content_type) like ? escape '\\')", [
            options.contentType,
            `${escapeLike(options.contentType)};%`,
          ]);
        }
      }
      if (after !== undefined) {
        const key = sort === 'updated_at' ? new Date(after.key as number) : after.key;
        void query.whereRaw(`(${column}, f.id) ${descending ? '<' : '>'} (?::${cast}, ?::uuid)`, [key, after.id]);
      }
      return (await query.orderBy([{ column, order: direction }, { column: 'f.id', order: direction }]).limit(pageSize + 1)) as RecordRow[];
    });
    // One row more than asked tells whether another page exists, so the last page says so.
    const files = rows.slice(0, pageSize).map(toFileWithVersion);
    const last = files.at(-1);
    let nextPageToken: string | undefined;
    if (rows.length > pageSize && last !== undefined) {
      const key = sort === 'name' ? last.name : sort === 'size' ? last.version.sizeBytes : last.updatedAt.getTime();
      nextPageToken = encodeFilePageToken({ sort, descending, key, id: last.id });
    }
    return { files, nextPageToken };
  }

  async updateFile(
    id: string,
    changes: { readonly name?: string | undefined; readonly folder?: string | undefined },
    context: ChangeContext,
  ): Promise<FileWithVersion | undefined> {
    return withTransaction(this.db, async (trx) => {
      const file = await trx(FILES).select(FILE_COLUMNS).where('id', id).whereNull('deleted_at').forUpdate().first<FileRow | undefined>();
      if (file === undefined) return undefined;
      const name = changes.name ?? file.name;
      const folder = changes.folder ?? file.folder;
      if (name !== file.name || folder !== file.folder) {
        const now = this.now();
        await trx(FILES).update({ name, folder, updated_at: now }).where('id', id).catch(rethrowConflicts);
        await writeToOutbox(trx, METADATA_SCHEMA, [
          metadataEvent(
            'file.updated',
            { fileId: id, ownerId: file.owner_id, actorId: context.actorId, name, folder, previousName: file.name, previousFolder: file.folder },
            { time: now, traceparent: context.traceparent, authorizedBy: context.authorizedBy },
          ),
        ]);
      }
      return readFile(trx, id, { version: 0, includeDeleted: false });
    });
  }

  async trashFile(id: string, context: ChangeContext): Promise<boolean> {
    return withTransaction(this.db, async (trx) => {
      const file = await trx(FILES).select(FILE_COLUMNS).where('id', id).forUpdate().first<FileRow | undefined>();
      if (file === undefined) return false;
      // Trashing a trashed file succeeds and keeps its first deleted_at; no second event.
      if (file.deleted_at !== null) return true;
      const now = this.now();
      await trx(FILES).update({ deleted_at: now, updated_at: now }).where('id', id);
      await writeToOutbox(trx, METADATA_SCHEMA, [
        metadataEvent('file.deleted', { fileId: id, ownerId: file.owner_id, actorId: context.actorId, purged: false }, { time: now, traceparent: context.traceparent, authorizedBy: context.authorizedBy }),
      ]);
      return true;
    });
  }

  async purgeFile(id: string, context: ChangeContext): Promise<string[] | undefined> {
    return withTransaction(this.db, async (trx) => {
      const owner = await trx(FILES).select('owner_id').where('id', id).first<{ owner_id: string } | undefined>();
      if (owner === undefined) return undefined;
      // Usage row before file row, as in CreateFile.
      await lockUsage(trx, owner.owner_id);
      const file = await trx(FILES).select(FILE_COLUMNS).where('id', id).forUpdate().first<FileRow | undefined>();
      if (file === undefined) return undefined;
      const versions = (await trx(VERSIONS).select('storage_key', 'size_bytes').where('file_id', id).orderBy('version').forUpdate()) as { storage_key: string; size_bytes: string }[];
      const bytes = versions.reduce((sum, row) => sum + Number(row.size_bytes), 0);
      await trx(VERSIONS).where('file_id', id).del();
      await trx(FILES).where('id', id).del();
      await trx(USAGE)
        .update({ bytes_used: trx.raw('greatest(bytes_used - ?::bigint, 0)', [bytes]), file_count: trx.raw('greatest(file_count - 1, 0)') })
        .where('owner_id', file.owner_id);
      const now = this.now();
      await writeToOutbox(trx, METADATA_SCHEMA, [
        metadataEvent('file.deleted', { fileId: id, ownerId: file.owner_id, actorId: context.actorId, purged: true }, { time: now, traceparent: context.traceparent, authorizedBy: context.authorizedBy }),
      ]);
      return versions.map((row) => row.storage_key);
    });
  }

  async restoreFile(id: string, context: ChangeContext): Promise<FileWithVersion | undefined> {
    return withTransaction(this.db, async (trx) => {
      const file = await trx(FILES).select(FILE_COLUMNS).where('id', id).forUpdate().first<FileRow | undefined>();
      if (file === undefined) return undefined;
      if (file.deleted_at !== null) {
        const now = this.now();
        await trx(FILES).update({ deleted_at: null, updated_at: now }).where('id', id).catch(rethrowConflicts);
        await writeToOutbox(trx, METADATA_SCHEMA, [
          metadataEvent('file.restored', { fileId: id, ownerId: file.owner_id, actorId: context.actorId }, { time: now, traceparent: context.traceparent, authorizedBy: context.authorizedBy }),
        ]);
      }
      return readFile(trx, id, { version: 0, includeDeleted: false });
    });
  }

  async listVersions(fileId: string): Promise<FileVersionRecord[] | undefined> {
    return runQuery(this.db, async (knex) => {
      const file = await knex(FILES).select('id').where('id', fileId).first<{ id: string } | undefined>();
      if (file === undefined) return undefined;
      const rows = await knex(VERSIONS).select(VERSION_COLUMNS).where('file_id', fileId).orderBy('version', 'desc');
      return (rows as VersionRow[]).map(toVersion);
    });
  }

  async getUsage(ownerId: string): Promise<OwnerUsage> {
    const row = await runQuery(this.db, (knex) => knex(USAGE).select('owner_id', 'bytes_used', 'file_count').where('owner_id', ownerId).first<UsageRow | undefined>());
    return row === undefined ? { bytesUsed: 0, fileCount: 0 } : toUsage(row);
  }

  async quarantine(input: QuarantineInput): Promise<boolean> {
    return withTransaction(this.db, async (trx) => {
      const file = await trx(FILES).select(FILE_COLUMNS).where('id', input.fileId).forUpdate().first<FileRow | undefined>();
      if (file === undefined) return false;
      const version = input.version === 0 ? file.current_version : input.version;
      const now = this.now();
      const marked = await trx(VERSIONS)
        .update({ quarantined_at: now })
        .where({ file_id: input.fileId, version })
        .whereNull('quarantined_at');
      if (marked === 0) {
        // Already quarantined: keep the first time and write no second event.
        const exists = await trx(VERSIONS).select('version').where({ file_id: input.fileId, version }).first<{ version: number } | undefined>();
        return exists !== undefined;
      }
      await writeToOutbox(trx, METADATA_SCHEMA, [
        metadataEvent(
          'integrity.failed',
          { fileId: input.fileId, ownerId: file.owner_id, version, detectedBy: input.detectedBy, reason: input.reason },
          { time: now, traceparent: input.traceparent },
        ),
      ]);
      return true;
    });
  }

  async findUnreferencedKeys(storageKeys: readonly string[]): Promise<string[]> {
    const unique = [...new Set(storageKeys)];
    if (unique.length === 0) return [];
    const rows = await runQuery(this.db, (knex) =>
      knex(VERSIONS).select('storage_key').whereRaw('storage_key = any(?::text[])', [unique]) as Promise<{ storage_key: string }[]>,
    );
    const referenced = new Set(rows.map((row) => row.storage_key));
    return unique.filter((key) => !referenced.has(key));
  }

  async scanVersions(afterStorageKey: string, pageSize: number): Promise<FileVersionRecord[]> {
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be a whole number >= 1 (got ${pageSize})`);
    const rows = await runQuery(this.db, (knex) => {
      const query = knex(VERSIONS).select(VERSION_COLUMNS).orderBy('storage_key').limit(pageSize);
      return afterStorageKey === '' ? query : query.where('storage_key', '>', afterStorageKey);
    });
    return (rows as VersionRow[]).map(toVersion);
  }
}

/** Creates the owner's usage row when missing and locks it until the transaction ends. */
async function lockUsage(trx: Knex.Transaction, ownerId: string): Promise<OwnerUsage> {
  await trx(USAGE).insert({ owner_id: ownerId, bytes_used: 0, file_count: 0 }).onConflict('owner_id').ignore();
  const row = await trx(USAGE).select('owner_id', 'bytes_used', 'file_count').where('owner_id', ownerId).forUpdate().first<UsageRow | undefined>();
  if (row === undefined) throw new Error('owner_usage row vanished inside its transaction');
  return toUsage(row);
}

/** Files joined with one version each: the current one, or the one named per query. */
function recordQuery(knex: Knex, version: 'current' | number): Knex.QueryBuilder {
  return knex
    .from(`${FILES} as f`)
    .join(`${VERSIONS} as v`, (on) => {
      on.on('v.file_id', '=', 'f.id');
      if (version === 'current') on.andOn('v.version', '=', 'f.current_version');
      else on.andOn('v.version', '=', knex.raw('?::int', [version]));
    })
    .select(
      'f.id',
      'f.owner_id',
      'f.name',
      'f.folder',
      'f.current_version',
      'f.created_at',
      'f.updated_at',
      'f.deleted_at',
      'v.version',
      'v.size_bytes',
      'v.declared_content_type',
      'v.sniffed_content_type',
      'v.sha256',
      'v.hmac_sha256',
      'v.hmac_key_id',
      'v.storage_key',
      'v.created_by',
      'v.created_at as version_created_at',
      'v.quarantined_at',
      knex.raw(`(select count(*)::int from ${VERSIONS} c where c.file_id = f.id) as version_count`),
    );
}

async function readFile(knex: Knex, id: string, options: { readonly version: number; readonly includeDeleted: boolean }): Promise<FileWithVersion | undefined> {
  const query = recordQuery(knex, options.version === 0 ? 'current' : options.version).where('f.id', id);
  if (!options.includeDeleted) void query.whereNull('f.deleted_at');
  const rows = (await query) as RecordRow[];
  return rows[0] === undefined ? undefined : toFileWithVersion(rows[0]);
}

function toFileWithVersion(row: RecordRow): FileWithVersion {
  return Object.freeze({
    id: row.id,
    ownerId: row.owner_id,
    name: row.name,
    folder: row.folder,
    currentVersion: row.current_version,
    versionCount: row.version_count,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at ?? undefined,
    version: toVersion({ ...row, file_id: row.id, created_at: row.version_created_at }),
  });
}

function toVersion(row: VersionRow): FileVersionRecord {
  return Object.freeze({
    fileId: row.file_id,
    version: row.version,
    sizeBytes: Number(row.size_bytes),
    declaredContentType: row.declared_content_type,
    sniffedContentType: row.sniffed_content_type,
    sha256: row.sha256,
    hmacSha256: row.hmac_sha256,
    hmacKeyId: row.hmac_key_id,
    storageKey: row.storage_key,
    createdBy: row.created_by,
    createdAt: row.created_at,
    quarantinedAt: row.quarantined_at ?? undefined,
  });
}

function toUsage(row: UsageRow): OwnerUsage {
  return { bytesUsed: Number(row.bytes_used), fileCount: row.file_count };
}

/** `%`, `_` and the escape character itself match literally in a LIKE pattern. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (character) => `\\${character}`);
}

function required(file: FileWithVersion | undefined): FileWithVersion {
  if (file === undefined) throw new Error('the row just written is missing');
  return file;
}

function fileNotFound(): AppError {
  return new AppError('not_found', { detail: 'The file does not exist.' });
}

/** Unique violations that mean a client-facing conflict; anything else passes on. */
function rethrowConflicts(error: unknown): never {
  if (isUniqueViolation(error, LIVE_NAME_UNIQUE_INDEX)) {
    throw new AppError('conflict', { detail: 'name: a file with this name already exists in the folder.', cause: error });
  }
  if (isUniqueViolation(error, STORAGE_KEY_UNIQUE)) {
    throw new AppError('conflict', { detail: 'storageKey: is already recorded for another version.', cause: error });
  }
  throw error;
}
