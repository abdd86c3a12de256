import type { CofferClient, File as RemoteFile } from '@coffer/sdk';
import { CliError, notFoundError } from '../cli-error.js';
import { EXIT_CODES } from '../exit-codes.js';
import { remotePath } from '../output/format.js';
import { parseFileReference, type FileReference } from './remote-path.js';

/** Where to look for a file named by path. */
export interface ResolveOptions {
  /** Look in the trash (restore). */
  readonly trashed?: boolean;
  /** Only files the caller owns (share, link, rm need ownership), else also files shared with them. */
  readonly ownedOnly?: boolean;
}

/**
 * Finds the file a `<file-id|folder/name>` argument names. An id is fetched directly (404 when
 * unknown); a path is looked up in its folder's listing.
 */
export async function resolveFile(client: CofferClient, text: string, options: ResolveOptions = {}): Promise<RemoteFile> {
  const reference = parseFileReference(text);
  if (reference.kind === 'id') return client.files.get(reference.id);
  return findByPath(client, reference, options);
}

/** The id a `<file-id|folder/name>` argument names, without fetching the file when it is an id. */
export async function resolveFileId(client: CofferClient, text: string, options: ResolveOptions = {}): Promise<string> {
  const reference = parseFileReference(text);
  if (reference.kind === 'id') return reference.id;
  return (await findByPath(client, reference, options)).id;
}

async function findByPath(client: CofferClient, reference: Extract<FileReference, { kind: 'path' }>, options: ResolveOptions): Promise<RemoteFile> {
  const matches: RemoteFile[] = [];
  const wanted = reference.name.normalize('NFC');
  for await (const file of client.files.list({
    folder: reference.folder,
    prefix: reference.name,
    ...(options.trashed ? { trashed: true } : {}),
    ...(options.ownedOnly || options.trashed ? { scope: 'owned' as const } : {}),
  })) {
    if (file.name.normalize('NFC') === wanted && file.folder === reference.folder) matches.push(file);
  }
  const path = remotePath(reference.folder, reference.name);
  const first = matches[0];
  if (first === undefined) throw notFoundError(`no such file${options.trashed ? ' in the trash' : ''}: ${path}`);
  if (matches.length > 1 && options.trashed) {
    // The same name trashed more than once: restore the one trashed last.
    return matches.reduce((latest, file) => ((file.deletedAt ?? '') > (latest.deletedAt ?? '') ? file : latest), first);
  }
  if (matches.length > 1) {
    // One of mine and one shared with me (or several trashed copies): only the id is unambiguous.
    throw new CliError(`${matches.length} files match ${path}; use an id: ${matches.map((file) => file.id).join(', ')}`, EXIT_CODES.conflict, 'ambiguous');
  }
  return first;
}
