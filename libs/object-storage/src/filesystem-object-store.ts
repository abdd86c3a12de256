import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readdir, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '@coffer/platform';
import { BodyWatch, ByteCounter, validateExpectedSize } from './body-failure.js';
import { resolveByteRange, validateByteRange } from './byte-range.js';
import { validateListPrefix, validateObjectKey } from './object-key.js';
import type { GetObjectOptions, ObjectContent, ObjectStat, ObjectStore, PutObjectOptions, PutObjectResult } from './object-store.js';
import { toStorageError } from './storage-error.js';

/** Options of {@link FilesystemObjectStore}. */
export interface FilesystemObjectStoreOptions {
  /** Absolute folder that holds every object; created by `prepare()`. */
  readonly root: string;
}

/**
 * Appended to the last key segment. `~` is outside the key alphabet, so an object file never
 * collides with a folder (keys `a` and `a/b` can both exist, as on S3) or with a temp file.
 */
const OBJECT_SUFFIX = '~obj';
const TEMP_MARK = '~tmp-';
/** Retries of mkdir + create when a concurrent delete prunes the folder in between. */
const CREATE_ATTEMPTS = 5;

/**
 * Objects as files under one root folder (dev, tests, single-node installs). `put` writes a
 * temp file in the target folder, fsyncs it, renames it over the object and fsyncs the
 * folder, so readers never see a partial object and a crash leaves the old one or the new
 * one. Readers keep the file they opened, so a concurrent overwrite never mixes bytes.
 * Content types are not stored (the File service keeps them in metadata).
 */
export class FilesystemObjectStore implements ObjectStore {
  readonly #root: string;

  constructor(options: FilesystemObjectStoreOptions) {
    if (!isAbsolute(options.root)) {
      throw new AppError('invalid_argument', { detail: 'The filesystem object store root must be an absolute path.' });
    }
    this.#root = resolve(options.root);
  }

  async prepare(): Promise<void> {
    try {
      await mkdir(this.#root, { recursive: true });
    } catch (error) {
      throw toStorageError(error);
    }
  }

  async checkReady(): Promise<void> {
    try {
      const info = await stat(this.#root);
      if (!info.isDirectory()) throw new Error('root is not a directory');
    } catch (error) {
      throw new AppError('unavailable', { detail: 'The object store is unavailable.', retryAfterSeconds: 5, cause: error });
    }
  }

  async put(key: string, body: Readable, options: PutObjectOptions = {}): Promise<PutObjectResult> {
    const target = this.#objectPath(key);
    validateExpectedSize(options.expectedSize);
    const watch = new BodyWatch(body);
    const folder = resolve(target, '..');
    const lastSegment = key.slice(key.lastIndexOf('/') + 1);
    const tempPath = join(folder, `${lastSegment}${TEMP_MARK}${randomBytes(8).toString('hex')}`);
    let handle;
    try {
      handle = await this.#createTemp(folder, tempPath);
    } catch (error) {
      body.destroy();
      throw toStorageError(error);
    }
    const counter = new ByteCounter(options.expectedSize);
    try {
      // `flush` fsyncs the temp file before the stream closes it.
      await pipeline(body, counter, handle.createWriteStream({ flush: true }));
      await rename(tempPath, target);
      await this.#syncFolder(folder);
      return { size: counter.bytes };
    } catch (error) {
      await handle.close().catch(() => undefined);
      await unlink(tempPath).catch(() => undefined);
      throw watch.failure(error);
    }
  }

  async get(key: string, options: GetObjectOptions = {}): Promise<ObjectContent> {
    const path = this.#objectPath(key);
    if (options.range !== undefined) validateByteRange(options.range);
    let handle;
    try {
      handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      throw toStorageError(error);
    }
    try {
      const { size } = await handle.stat();
      if (options.range === undefined) {
        return { body: handle.createReadStream(), size, contentLength: size };
      }
      const range = resolveByteRange(options.range, size);
      return {
        body: handle.createReadStream({ start: range.start, end: range.end }),
        size,
        contentLength: range.end - range.start + 1,
        range,
      };
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw toStorageError(error);
    }
  }

  async stat(key: string): Promise<ObjectStat | undefined> {
    const path = this.#objectPath(key);
    try {
      const info = await stat(path);
      return { size: info.size, lastModified: info.mtime };
    } catch (error) {
      const mapped = toStorageError(error);
      if (mapped.code === 'not_found') return undefined;
      throw mapped;
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.#objectPath(key);
    try {
      await unlink(path);
    } catch (error) {
      const mapped = toStorageError(error);
      if (mapped.code === 'not_found') return;
      throw mapped;
    }
    await this.#pruneEmptyFolders(resolve(path, '..'));
  }

  async *list(prefix = ''): AsyncGenerator<string> {
    validateListPrefix(prefix);
    const cut = prefix.lastIndexOf('/') + 1;
    const folderKey = prefix.slice(0, cut);
    const rest = prefix.slice(cut);
    const folder = this.#inside(join(this.#root, folderKey));
    yield* this.#walk(folder, folderKey, rest);
  }

  /** Keys under `folder` (whose key prefix is `folderKey`) in byte order, names starting with `rest`. */
  async *#walk(folder: string, folderKey: string, rest: string): AsyncGenerator<string> {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      const mapped = toStorageError(error);
      if (mapped.code === 'not_found') return;
      throw mapped;
    }
    // Sorting files by name and folders by `name/` gives the byte order of the full keys.
    const items: { sortKey: string; name: string; isFolder: boolean }[] = [];
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (entry.name.startsWith(rest)) items.push({ sortKey: `${entry.name}/`, name: entry.name, isFolder: true });
      } else if (entry.isFile() && entry.name.endsWith(OBJECT_SUFFIX)) {
        const name = entry.name.slice(0, -OBJECT_SUFFIX.length);
        if (name.startsWith(rest) && !name.includes('~')) items.push({ sortKey: name, name, isFolder: false });
      }
    }
    items.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    for (const item of items) {
      if (item.isFolder) yield* this.#walk(join(folder, item.name), `${folderKey}${item.name}/`, '');
      else yield `${folderKey}${item.name}`;
    }
  }

  /** The file of a (validated) key; never outside the root. */
  #objectPath(key: string): string {
    validateObjectKey(key);
    return this.#inside(join(this.#root, `${key}${OBJECT_SUFFIX}`));
  }

  /** Defence in depth behind key validation: refuses any path that resolves outside the root. */
  #inside(path: string): string {
    const resolved = resolve(path);
    const base = this.#root.endsWith(sep) ? this.#root : this.#root + sep;
    if (resolved !== this.#root && !resolved.startsWith(base)) {
      throw new AppError('invalid_argument', { detail: 'The object key is not valid.' });
    }
    return resolved;
  }

  async #createTemp(folder: string, tempPath: string): ReturnType<typeof open> {
    for (let attempt = 1; ; attempt += 1) {
      await mkdir(folder, { recursive: true });
      try {
        return await open(tempPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o640);
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'ENOENT' || attempt >= CREATE_ATTEMPTS) throw error;
      }
    }
  }

  /** Makes the rename durable: without it a crash can lose the new directory entry. */
  async #syncFolder(folder: string): Promise<void> {
    const handle = await open(folder, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** Removes folders a delete left empty, up to the root; a folder in use again stays. */
  async #pruneEmptyFolders(folder: string): Promise<void> {
    let current = folder;
    while (current !== this.#root && current.startsWith(this.#root + sep)) {
      try {
        await rmdir(current);
      } catch {
        return;
      }
      current = resolve(current, '..');
    }
  }
}
