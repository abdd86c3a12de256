import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CofferIntegrityError } from './coffer-errors.js';
import { formatSha256Digest } from './content-digest.js';
import { downloadFromResponse, rangeHeader, type Download, type DownloadOptions } from './file-download.js';
import type { HttpTransport, OutgoingRequest, RawBody } from './http-transport.js';
import { meteredStream, type MeteredResult, type TransferProgress } from './metered-stream.js';
import { paginate } from './paginate.js';
import type { File, FilePage, FileVersion, ListFilesQuery, UpdateFileRequest } from './schemas.js';
import { prepareUpload, type PreparedUpload, type UploadSource } from './upload-source.js';

/** Settings of an upload. */
export interface UploadOptions {
  /** The file name; defaults to the basename of a path source or the name of a `File`, and is required otherwise. */
  name?: string;
  /** The folder, `/` (default) or `/a/b`. */
  folder?: string;
  /** The declared type; default the Blob's type, else `application/octet-stream`. */
  contentType?: string;
  /** When the name exists in the folder: add a version (true, the default) or fail with 409 (false). */
  overwrite?: boolean;
  /** Bytes, when a stream source knows it (sent as Content-Length; lets the server refuse early). */
  size?: number;
  /** Called as bytes are sent. A retried upload starts again at 0. */
  onProgress?: (progress: TransferProgress) => void;
  signal?: AbortSignal;
  /** Sent as `Idempotency-Key` (new uploads only); default a random UUID, kept across retries. */
  idempotencyKey?: string;
}

/** A file written by {@link FilesApi.downloadTo}. */
export interface DownloadedFile {
  /** Where the bytes are (absent when `notModified`). */
  path: string;
  /** True when `ifNoneMatch` matched: nothing was written. */
  notModified: boolean;
  /** Bytes written. */
  size: number;
  /** SHA-256 (hex) of the bytes written, computed while writing. */
  sha256: string;
  /** The file's SHA-256 as the server stated it (equal to `sha256` for a whole-file download). */
  serverSha256: string | undefined;
  contentType: string | undefined;
  etag: string | undefined;
  lastModified: string | undefined;
  fileName: string | undefined;
  /** The whole file's size. */
  totalSize: number | undefined;
}

/** Upload, download, list, versions and trash. */
export class FilesApi {
  /** @internal */
  constructor(private readonly transport: HttpTransport) {}

  /**
   * Uploads a new file (or a new version of the file with that name in that folder). Streams the
   * source; sends `Content-Digest` when the bytes can be hashed first (path, bytes, Blob), and in
   * every case checks the stored SHA-256 against the bytes sent ({@link CofferIntegrityError}).
   */
  async upload(source: UploadSource, options: UploadOptions = {}): Promise<File> {
    const prepared = await prepareUpload(source);
    const name = options.name ?? prepared.name;
    if (name === undefined || name === '') throw new TypeError('An upload needs a name (options.name) unless the source is a file path or a File.');
    return this.sendUpload(
      {
        method: 'POST',
        path: '/v1/files',
        query: { name, folder: options.folder, overwrite: options.overwrite },
        idempotencyKey: options.idempotencyKey ?? randomUUID(),
      },
      prepared,
      options,
    );
  }

  /** Uploads a new version of an existing file (needs write access). Not retried: the API has no idempotency for it. */
  async uploadVersion(fileId: string, source: UploadSource, options: Omit<UploadOptions, 'name' | 'folder' | 'overwrite' | 'idempotencyKey'> = {}): Promise<File> {
    const prepared = await prepareUpload(source);
    return this.sendUpload({ method: 'PUT', path: `${filePath(fileId)}/content` }, prepared, options);
  }

  /** Starts a download: resolves once the headers are in; read `body` (or `toNodeStream()`) for the bytes. */
  async download(fileId: string, options: DownloadOptions = {}): Promise<Download> {
    const response = await this.transport.send({
      method: 'GET',
      path: `${filePath(fileId)}/content`,
      query: { version: options.version },
      headers: downloadHeaders(options),
      signal: options.signal,
    });
    return downloadFromResponse(response, options);
  }

  /**
   * Downloads into a file: writes to a temporary name beside `path` and renames it once every
   * byte is in and verified; on any failure (integrity included) the partial file is deleted.
   */
  async downloadTo(fileId: string, path: string, options: DownloadOptions = {}): Promise<DownloadedFile> {
    let completed: MeteredResult | undefined;
    const download = downloadFromResponse(
      await this.transport.send({
        method: 'GET',
        path: `${filePath(fileId)}/content`,
        query: { version: options.version },
        headers: downloadHeaders(options),
        signal: options.signal,
      }),
      { ...options, onComplete: (result) => (completed = result) },
    );
    const described = {
      path,
      serverSha256: download.sha256,
      contentType: download.contentType,
      etag: download.etag,
      lastModified: download.lastModified,
      fileName: download.fileName,
      totalSize: download.totalSize,
    };
    if (download.notModified) {
      await download.body.cancel();
      return { ...described, notModified: true, size: 0, sha256: '' };
    }
    const temporary = join(dirname(path), `.${basename(path)}.${randomUUID()}.partial`);
    try {
      await pipeline(Readable.fromWeb(download.body as Parameters<typeof Readable.fromWeb>[0]), createWriteStream(temporary, { flags: 'wx' }), options.signal ? { signal: options.signal } : {});
      if (completed === undefined) throw new Error('The download ended before its end was seen.');
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return { ...described, notModified: false, size: completed.transferred, sha256: completed.sha256 };
  }

  /** A file's record and the caller's permissions on it. */
  get(fileId: string): Promise<File> {
    return this.transport.json<File>({ method: 'GET', path: filePath(fileId) });
  }

  /** Renames or moves a file; `ifMatch` (the file's ETag) guards against lost updates and makes the call retryable. */
  update(fileId: string, body: UpdateFileRequest, options: { ifMatch?: string } = {}): Promise<File> {
    return this.transport.json<File>({ method: 'PATCH', path: filePath(fileId), json: body, headers: { 'if-match': options.ifMatch } });
  }

  /** Moves a file to the trash, or with `purge` removes it and every version for good. */
  async delete(fileId: string, options: { purge?: boolean } = {}): Promise<void> {
    await this.transport.send({ method: 'DELETE', path: filePath(fileId), query: { purge: options.purge } });
  }

  /** Takes a file out of the trash. */
  restore(fileId: string): Promise<File> {
    return this.transport.json<File>({ method: 'POST', path: `${filePath(fileId)}/restore` });
  }

  /** A file's versions, newest first. */
  async versions(fileId: string): Promise<FileVersion[]> {
    return (await this.transport.json<{ versions: FileVersion[] }>({ method: 'GET', path: `${filePath(fileId)}/versions` })).versions;
  }

  /** Every matching file, fetching pages as iteration needs them. */
  list(query: ListFilesQuery = {}): AsyncIterableIterator<File> {
    return paginate(async (pageToken) => {
      const page = await this.listPage({ ...query, pageToken });
      return { items: page.files, nextPageToken: page.nextPageToken };
    });
  }

  /** One page of files; pass the previous page's `nextPageToken` as `pageToken` for the next. */
  listPage(query: ListFilesQuery & { pageToken?: string | undefined } = {}): Promise<FilePage> {
    return this.transport.json<FilePage>({ method: 'GET', path: '/v1/files', query });
  }

  private async sendUpload(target: Pick<OutgoingRequest, 'method' | 'path' | 'query' | 'idempotencyKey'>, prepared: PreparedUpload, options: Omit<UploadOptions, 'name' | 'folder' | 'overwrite' | 'idempotencyKey'>): Promise<File> {
    const size = options.size ?? prepared.size;
    let sent: MeteredResult | undefined;
    const body: RawBody = {
      replayable: prepared.replayable,
      size,
      open: () => {
        sent = undefined;
        return meteredStream(prepared.open(), { total: size, onProgress: options.onProgress, onEnd: (result) => void (sent = result) });
      },
    };
    const file = await this.transport.json<File>({
      ...target,
      headers: {
        'content-type': options.contentType ?? prepared.contentType ?? 'application/octet-stream',
        'content-digest': prepared.sha256 === undefined ? undefined : formatSha256Digest(prepared.sha256),
      },
      body,
      signal: options.signal,
    });
    const expected = prepared.sha256?.toString('hex') ?? sent?.sha256;
    if (expected !== undefined && file.sha256 !== expected) {
      throw new CofferIntegrityError(`The server stored SHA-256 ${file.sha256}, but the bytes sent hash to ${expected}.`, { expectedSha256: expected, actualSha256: file.sha256 });
    }
    return file;
  }
}

function filePath(fileId: string): string {
  return `/v1/files/${encodeURIComponent(fileId)}`;
}

/** The Range and If-None-Match headers of a download. */
export function downloadHeaders(options: DownloadOptions): Record<string, string | undefined> {
  return { range: options.range ? rangeHeader(options.range) : undefined, 'if-none-match': options.ifNoneMatch };
}
