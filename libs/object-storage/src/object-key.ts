import { AppError } from '@coffer/platform';

/** Longest key accepted, in characters (all ASCII, so also in bytes). */
export const MAX_OBJECT_KEY_LENGTH = 512;

/**
 * Longest segment between slashes. Keeps a segment plus the filesystem store's suffixes
 * under the 255-byte file name limit of common filesystems.
 */
export const MAX_OBJECT_KEY_SEGMENT_LENGTH = 200;

const KEY_ALPHABET = /^[A-Za-z0-9/_.-]*$/;

/**
 * Refuses, with `AppError('invalid_argument')`, any key outside `[A-Za-z0-9/_.-]`, longer than
 * {@link MAX_OBJECT_KEY_LENGTH}, starting or ending with `/`, with an empty or `.` segment, with
 * `..` anywhere, or with a segment longer than {@link MAX_OBJECT_KEY_SEGMENT_LENGTH}. Keys are
 * made by services, not typed by users, so the rule is strict rather than clever.
 */
export function validateObjectKey(key: string): void {
  if (key === '') throw invalid('The object key must not be empty.');
  validateKeyText(key, 'object key');
  if (key.endsWith('/')) throw invalid('The object key must not end with "/".');
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.') throw invalid('The object key must not have empty or "." segments.');
    if (segment.length > MAX_OBJECT_KEY_SEGMENT_LENGTH) {
      throw invalid(`Each object key segment must be at most ${MAX_OBJECT_KEY_SEGMENT_LENGTH} characters.`);
    }
  }
}

/** A list prefix: the start of a key (may be empty or end with `/`), under the same alphabet. */
export function validateListPrefix(prefix: string): void {
  validateKeyText(prefix, 'list prefix');
  if (prefix.split('/').slice(0, -1).some((segment) => segment === '' || segment === '.')) {
    throw invalid('The list prefix must not have empty or "." segments.');
  }
}

function validateKeyText(value: string, what: string): void {
  if (value.length > MAX_OBJECT_KEY_LENGTH) throw invalid(`The ${what} must be at most ${MAX_OBJECT_KEY_LENGTH} characters.`);
  if (!KEY_ALPHABET.test(value)) throw invalid(`The ${what} may only hold A-Z, a-z, 0-9, "/", "_", "." and "-".`);
  if (value.startsWith('/')) throw invalid(`The ${what} must not start with "/".`);
  if (value.includes('..')) throw invalid(`The ${what} must not contain "..".`);
}

function invalid(detail: string): AppError {
  return new AppError('invalid_argument', { detail });
}
