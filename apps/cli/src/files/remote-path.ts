import { usageError } from '../cli-error.js';

/** A file named by id, or by folder and name. */
export type FileReference = { readonly kind: 'id'; readonly id: string } | { readonly kind: 'path'; readonly folder: string; readonly name: string };

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a string is a UUID (a file, share, webhook or user id). */
export function isUuid(text: string): boolean {
  return UUID_PATTERN.test(text);
}

/**
 * Normalises a remote folder: a leading `/`, no trailing `/` (except the root), no empty
 * segments. `docs/` → `/docs`, `` → `/`.
 */
export function normalizeFolder(text: string): string {
  const segments = text.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) throw usageError(`a folder cannot contain "..": "${text}"`);
  return `/${segments.join('/')}`;
}

/**
 * `<file-id|folder/name>`: a UUID is an id; anything else is a path, relative to the root
 * (`docs/a.txt` and `/docs/a.txt` are the same file, `a.txt` is in `/`).
 */
export function parseFileReference(text: string): FileReference {
  if (isUuid(text)) return { kind: 'id', id: text.toLowerCase() };
  if (text === '' || text.endsWith('/')) throw usageError(`"${text}" names a folder, not a file (give folder/name or a file id)`);
  const slash = text.lastIndexOf('/');
  const name = text.slice(slash + 1);
  if (name === '.' || name === '..') throw usageError(`"${text}" is not a file name`);
  return { kind: 'path', folder: normalizeFolder(slash < 0 ? '/' : text.slice(0, slash)), name };
}

/** Where `mv` puts a file: a new name, a new folder, or both. */
export interface MoveTarget {
  readonly folder?: string | undefined;
  readonly name?: string | undefined;
}

/**
 * `mv`'s target: `new.txt` renames in place, `/archive/` (trailing slash) moves keeping the name,
 * `/archive/new.txt` or `archive/new.txt` moves and renames.
 */
export function parseMoveTarget(text: string): MoveTarget {
  if (text === '') throw usageError('the new name is empty');
  if (text.endsWith('/')) return { folder: normalizeFolder(text) };
  const slash = text.lastIndexOf('/');
  if (slash < 0) return { name: text };
  const name = text.slice(slash + 1);
  if (name === '.' || name === '..') throw usageError(`"${text}" is not a file name`);
  return { folder: normalizeFolder(text.slice(0, slash)), name };
}
