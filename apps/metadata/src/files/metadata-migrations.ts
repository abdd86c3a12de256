import type { Migration } from '@coffer/db';
import { outboxMigration } from '@coffer/outbox';

/** The schema the metadata service owns. */
export const METADATA_SCHEMA = 'metadata';
/** File records, inside {@link METADATA_SCHEMA}. */
export const FILES_TABLE = 'files';
/** Stored versions of each file. */
export const FILE_VERSIONS_TABLE = 'file_versions';
/** Bytes and files per owner, kept in the same transactions as the rows they count. */
export const OWNER_USAGE_TABLE = 'owner_usage';
/** The unique index that keeps (owner, folder, name) unique among live files. */
export const LIVE_NAME_UNIQUE_INDEX = 'files_owner_folder_name_live_key';
/** The unique constraint on a version's storage key. */
export const STORAGE_KEY_UNIQUE = 'file_versions_storage_key_key';

/** Longest file name the database accepts (the file service validates names first). */
export const MAX_NAME_LENGTH = 255;
/** Longest folder path the database accepts. */
export const MAX_FOLDER_LENGTH = 1024;

/**
 * The metadata service's schema, oldest first. Only ever append: a released migration never
 * changes. Plain SQL that PostgreSQL 15 and PGlite both accept; the repository contract suite
 * runs it on both.
 */
export const metadataMigrations: readonly Migration[] = Object.freeze([
  {
    name: '0001_create_files',
    // Timestamps are timestamptz(3) so a JavaScript Date holds them exactly: the keyset page
    // token carries updated_at, and a value rounded on its way through a Date would skip or
    // repeat rows.
    //
    // Names are unique per owner and folder among live files only (partial unique index), so a
    // trashed file does not block its name; RestoreFile then fails `conflict` if it was taken.
    // Length checks mirror the file service's validation as a last line of defence.
    //
    // owner_usage.bytes_used counts every version of every file, trashed ones included, until
    // they are purged; file_count counts files the same way.
    up: (knex) =>
      knex.raw(`
        create table files (
          id uuid primary key,
          owner_id uuid not null,
          name text not null,
          folder text not null,
          current_version integer not null,
          created_at timestamptz(3) not null,
          updated_at timestamptz(3) not null,
          deleted_at timestamptz(3),
          constraint files_name_length check (char_length(name) between 1 and ${MAX_NAME_LENGTH}),
          constraint files_folder_length check (char_length(folder) between 1 and ${MAX_FOLDER_LENGTH}),
          constraint files_current_version_positive check (current_version >= 1)
        );
        create unique index ${LIVE_NAME_UNIQUE_INDEX} on files (owner_id, folder, name) where deleted_at is null;
        create index files_owner_name_idx on files (owner_id, name, id);
        create index files_owner_updated_at_idx on files (owner_id, updated_at, id);
        create index files_owner_deleted_at_idx on files (owner_id, deleted_at) where deleted_at is not null;

        create table file_versions (
          file_id uuid not null references files (id) on delete cascade,
          version integer not null,
          size_bytes bigint not null,
          declared_content_type text not null,
          sniffed_content_type text not null,
          sha256 char(64) not null,
          hmac_sha256 text not null,
          hmac_key_id text not null,
          storage_key text not null,
          created_by uuid not null,
          created_at timestamptz(3) not null,
          quarantined_at timestamptz(3),
          primary key (file_id, version),
          constraint ${STORAGE_KEY_UNIQUE} unique (storage_key),
          constraint file_versions_version_positive check (version >= 1),
          constraint file_versions_size_not_negative check (size_bytes >= 0),
          constraint file_versions_sha256_hex check (sha256 ~ '^[0-9a-f]{64}$'),
          constraint file_versions_content_type_length check (char_length(declared_content_type) <= 255 and char_length(sniffed_content_type) <= 255),
          constraint file_versions_storage_key_length check (char_length(storage_key) between 1 and 1024),
          constraint file_versions_hmac_length check (char_length(hmac_sha256) <= 128 and char_length(hmac_key_id) <= 200)
        );
        create index file_versions_sniffed_content_type_idx on file_versions (sniffed_content_type);

        create table owner_usage (
          owner_id uuid primary key,
          bytes_used bigint not null default 0,
          file_count integer not null default 0,
          constraint owner_usage_bytes_not_negative check (bytes_used >= 0),
          constraint owner_usage_files_not_negative check (file_count >= 0)
        );
      `),
    // Reverse order (file_versions references files); indexes go with their tables.
    down: (knex) =>
      knex.raw(`
        drop table owner_usage;
        drop table file_versions;
        drop table files;
      `),
  },
  outboxMigration(METADATA_SCHEMA, { name: '0002_create_outbox' }),
]);
