import { AppError } from '@coffer/platform';

/** The orders ListFiles pages in; `id` breaks ties in each. */
export type FileSortKey = 'name' | 'size' | 'updated_at';

/** Where the next page starts: the sort it belongs to and the last row's key. */
export interface FilePageCursor {
  readonly sort: FileSortKey;
  readonly descending: boolean;
  /** The last row's sort value: its name, its size in bytes, or its updated_at in epoch ms. */
  readonly key: string | number;
  readonly id: string;
}

const TOKEN_VERSION = 1;
const MAX_TOKEN_LENGTH = 2_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SORTS: readonly FileSortKey[] = ['name', 'size', 'updated_at'];

/**
 * `base64url(JSON [1, sort, "asc"|"desc", key, id])`. Opaque to clients; the leading version
 * leaves room to change the format. Not signed: a forged but well-formed token only moves the
 * start of a page within what the caller may list anyway.
 */
export function encodeFilePageToken(cursor: FilePageCursor): string {
  const text = JSON.stringify([TOKEN_VERSION, cursor.sort, cursor.descending ? 'desc' : 'asc', cursor.key, cursor.id]);
  return Buffer.from(text, 'utf8').toString('base64url');
}

/**
 * Reads a page token and checks it belongs to this listing's sort and direction. Anything not
 * produced by {@link encodeFilePageToken} for the same sort fails `invalid_argument`
 * ('pageToken: is not valid.'), so a token can never silently page another order.
 */
export function decodeFilePageToken(token: string, expected: { readonly sort: FileSortKey; readonly descending: boolean }): FilePageCursor {
  const invalid = () => new AppError('invalid_argument', { detail: 'pageToken: is not valid.' });
  // Node's base64url decoder skips characters it does not know; refuse them up front, and
  // refuse non-canonical encodings by encoding the result again.
  if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  const text = Buffer.from(token, 'base64url').toString('utf8');
  if (Buffer.from(text, 'utf8').toString('base64url') !== token) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid();
  }
  if (!Array.isArray(value) || value.length !== 5) throw invalid();
  const [version, sort, direction, key, id] = value as unknown[];
  if (version !== TOKEN_VERSION || typeof sort !== 'string' || !SORTS.includes(sort as FileSortKey)) throw invalid();
  if (direction !== 'asc' && direction !== 'desc') throw invalid();
  if (typeof id !== 'string' || !UUID.test(id)) throw invalid();
  const cursor: FilePageCursor = { sort: sort as FileSortKey, descending: direction === 'desc', key: key as string | number, id };
  if (cursor.sort !== expected.sort || cursor.descending !== expected.descending) throw invalid();
  switch (cursor.sort) {
    case 'name':
      if (typeof key !== 'string' || key.length === 0 || key.length > 1_000) throw invalid();
      break;
    case 'size':
    case 'updated_at':
      if (typeof key !== 'number' || !Number.isSafeInteger(key) || key < 0) throw invalid();
      break;
  }
  // The canonical form only: no other spelling of the same cursor is accepted.
  if (encodeFilePageToken(cursor) !== token) throw invalid();
  return cursor;
}
