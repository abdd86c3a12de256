import { AppError } from '@coffer/platform';

/** The actions the policy service decides on. */
export const FILE_ACTIONS = ['file:read', 'file:write', 'file:delete', 'file:share'] as const;
/** One of {@link FILE_ACTIONS}. */
export type FileAction = (typeof FILE_ACTIONS)[number];

/** What a share (grant) may give: read, or read and write. Stored as this word. */
export type GrantPermission = 'read' | 'read-write';

/** The actions each {@link GrantPermission} holds. */
export const GRANT_PERMISSION_ACTIONS: Readonly<Record<GrantPermission, readonly FileAction[]>> = Object.freeze({
  read: Object.freeze(['file:read'] as const),
  'read-write': Object.freeze(['file:read', 'file:write'] as const),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FILE_RESOURCE = /^file\/([0-9a-fA-F-]{36})$/;
/** A folder as the file service sends it: `/`, or `/a/b` (no empty segment, no trailing slash). */
const FOLDER_PATH = /^\/(?:[^/*\n]+(?:\/[^/*\n]+)*)?$/;
const ACTION_PATTERN = /^[a-z*][a-z*:]{0,63}$/;
const FILE_RESOURCE_PATTERN = /^file\/[0-9a-fA-F*-]{1,36}$/;
/** Statement ids: chosen by the administrator, URL-safe. */
export const STATEMENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Whether `value` is a UUID in its usual text form (user, file, grant and link ids). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Whether `value` is one of the {@link FILE_ACTIONS}. */
export function isFileAction(value: string): value is FileAction {
  return (FILE_ACTIONS as readonly string[]).includes(value);
}

/** The file id of a `file/<uuid>` resource (lower case), or undefined for anything else. */
export function fileIdOf(resource: string): string | undefined {
  const id = FILE_RESOURCE.exec(resource)?.[1];
  return id !== undefined && isUuid(id) ? id.toLowerCase() : undefined;
}

/** `file/<uuid>` in its canonical (lower-case) form; `invalid_argument` for anything else. */
export function requireFileResource(resource: string, field = 'resource'): string {
  const id = fileIdOf(resource.trim());
  if (id === undefined) throw new AppError('invalid_argument', { detail: `${field}: must be file/<uuid>.` });
  return `file/${id}`;
}

/** A user id in its canonical (lower-case) form; `invalid_argument` naming `field` for anything else. */
export function requireUserId(value: string, field: string): string {
  const id = value.trim();
  if (id === '') throw new AppError('invalid_argument', { detail: `${field}: is required.` });
  if (!isUuid(id)) throw new AppError('invalid_argument', { detail: `${field}: must be a UUID.` });
  return id.toLowerCase();
}

/** A known action; `invalid_argument` naming `field` for anything else. */
export function requireFileAction(value: string, field = 'action'): FileAction {
  if (!isFileAction(value)) throw new AppError('invalid_argument', { detail: `${field}: must be one of ${FILE_ACTIONS.join(', ')}.` });
  return value;
}

/** A `*` glob (any run of characters, including none) as an anchored regular expression. */
function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

/** Whether action pattern `pattern` (`*` wildcards) matches `action`. */
export function actionMatches(pattern: string, action: string): boolean {
  return pattern === '*' || pattern === action || (pattern.includes('*') && globToRegExp(pattern).test(action));
}

/**
 * Whether resource pattern `pattern` matches a file `resource` (`file/<uuid>`, lower case) in
 * `folder` (`/a/b`, or empty when the caller did not say).
 *
 * - `*` matches every resource.
 * - `file/<glob>`: `*` matches any run of characters (`file/*` is every file), compared with the
 *   resource text case-insensitively.
 * - `folder:/a/b` matches files directly in `/a/b` only.
 * - `folder:/a/b/*` matches files in `/a/b` and in every folder below it (`/a/b/c/d`), but not
 *   in `/a/bc`. `folder:/*` matches every file that has a folder.
 * - A folder pattern never matches a request without a folder.
 */
export function resourceMatches(pattern: string, resource: string, folder: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('file/')) {
    const lowered = pattern.toLowerCase();
    return lowered === resource || (lowered.includes('*') && globToRegExp(lowered).test(resource));
  }
  if (pattern.startsWith('folder:')) {
    if (folder === '') return false;
    const path = pattern.slice('folder:'.length);
    if (path === '/*') return true;
    if (path.endsWith('/*')) {
      const base = path.slice(0, -2);
      return folder === base || folder.startsWith(`${base}/`);
    }
    return folder === path;
  }
  return false;
}

/** `folder` as the matcher wants it: trimmed, without a trailing slash; '' when it is not a valid folder path. */
export function normalizeFolder(folder: string): string {
  const trimmed = folder.trim();
  const path = trimmed.length > 1 && trimmed.endsWith('/') ? trimmed.slice(0, -1) : trimmed;
  return FOLDER_PATH.test(path) ? path : '';
}

/**
 * Checks an action pattern of a statement: lower-case letters, `:` and `*`, matching at least
 * one known action (a pattern that matches nothing is a typo). Returns it unchanged.
 */
export function validateActionPattern(pattern: string, field: string): string {
  if (!ACTION_PATTERN.test(pattern) || !FILE_ACTIONS.some((action) => actionMatches(pattern, action))) {
    throw new AppError('invalid_argument', {
      detail: `${field}: ${JSON.stringify(pattern.slice(0, 64))} must be an action or an action pattern with * that matches one of ${FILE_ACTIONS.join(', ')}.`,
    });
  }
  return pattern;
}

/**
 * Checks a resource pattern of a statement: `*`, `file/<uuid or glob>`, `folder:/a/b` or
 * `folder:/a/b/*` (a `*` only as the whole last segment). Returns its canonical form.
 */
export function validateResourcePattern(pattern: string, field: string): string {
  const invalid = () =>
    new AppError('invalid_argument', {
      detail: `${field}: ${JSON.stringify(pattern.slice(0, 80))} must be *, file/<id or pattern with *>, folder:/path or folder:/path/*.`,
    });
  if (pattern === '*') return pattern;
  if (pattern.startsWith('file/')) {
    if (!FILE_RESOURCE_PATTERN.test(pattern)) throw invalid();
    return pattern.toLowerCase();
  }
  if (pattern.startsWith('folder:')) {
    const path = pattern.slice('folder:'.length);
    if (path.length > 1024) throw invalid();
    if (path === '/*') return pattern;
    const subtree = path.endsWith('/*');
    const base = subtree ? path.slice(0, -2) : path;
    // `folder:/` is the root folder exactly; `folder:/*` (above) is every folder.
    if (!FOLDER_PATH.test(base) || (subtree && base === '/')) throw invalid();
    return pattern;
  }
  throw invalid();
}
