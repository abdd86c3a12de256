import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { posix } from 'node:path';
import { usageError } from '../cli-error.js';
import { normalizeFolder } from './remote-path.js';

/** One local file and where it goes. */
export interface PlannedUpload {
  readonly localPath: string;
  readonly folder: string;
  readonly name: string;
  readonly size: number;
}

/**
 * What `put <paths...> --folder F` uploads: a file goes to `F/<its name>`; a directory goes
 * recursively to `F/<directory name>/…`, keeping its layout (like `cp -r`). Symbolic links are
 * followed; anything that is not a regular file (sockets, devices) is skipped. Sorted by
 * destination so runs are repeatable.
 */
export async function planUploads(paths: readonly string[], folder: string): Promise<PlannedUpload[]> {
  const base = normalizeFolder(folder);
  const planned: PlannedUpload[] = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw usageError(`no such file or directory: ${path}`);
      throw error;
    }
    if (info.isFile()) {
      planned.push({ localPath: path, folder: base, name: basename(path), size: info.size });
    } else if (info.isDirectory()) {
      const root = resolve(path);
      const top = basename(root);
      for (const file of await filesUnder(root)) {
        const relativeDir = relative(root, file.dir).split(sep).filter(Boolean);
        planned.push({ localPath: join(file.dir, file.name), folder: posix.join(base, top, ...relativeDir), name: file.name, size: file.size });
      }
    }
  }
  const seen = new Set<string>();
  for (const upload of planned) {
    const key = posix.join(upload.folder, upload.name);
    if (seen.has(key)) throw usageError(`two local files would both be uploaded as ${key}`);
    seen.add(key);
  }
  return planned.sort((a, b) => (a.folder === b.folder ? compare(a.name, b.name) : compare(a.folder, b.folder)));
}

async function filesUnder(dir: string): Promise<{ dir: string; name: string; size: number }[]> {
  const found: { dir: string; name: string; size: number }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      found.push(...(await filesUnder(path)));
      continue;
    }
    if (!entry.isFile() && !entry.isSymbolicLink()) continue;
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile()) found.push({ dir, name: entry.name, size: info.size });
  }
  return found;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
