import { AppError } from '@coffer/platform';

/** Longest file name (and folder segment) in UTF-8 bytes after NFC, as on most file systems. */
export const FILE_NAME_MAX_BYTES = 255;
/** Longest folder path in UTF-8 bytes after NFC, slashes included. */
export const FOLDER_PATH_MAX_BYTES = 1024;
/** Deepest folder path, in segments (`/a/b` has two). */
export const FOLDER_PATH_MAX_DEPTH = 32;

// Names come back to clients and end up in Content-Disposition headers, terminals and UIs, so
// anything that can end a header line, hide text or reorder it on screen is refused outright.
// eslint-disable-next-line no-control-regex -- the point is to find control characters
const controlCharacters = /[\u0001-\u001f\u007f-\u009f\u2028\u2029]/;
// Explicit embeddings, overrides and isolates: `\u202Etxt.exe` displays as `exe.txt`.
const bidiControls = /[\u202a-\u202e\u2066-\u2069]/;
// Unpaired UTF-16 surrogates have no UTF-8 encoding, so neither storage nor the byte limit can
// handle them honestly. Paired surrogates (emoji) are one code point to a `u` regex.
const loneSurrogate = /\p{Cs}/u;
const whitespaceOnly = /^\s*$/;

function invalid(subject: string, rule: string): never {
  throw new AppError('invalid_argument', { detail: `${subject} ${rule}` });
}

/**
 * Checks one already NFC-normalised name against the file-name rules. `subject` starts the
 * detail ("File name", "Folder path segment 3") and never echoes the input, which may hold
 * exactly the characters we are refusing.
 */
function checkName(name: string, subject: string): void {
  if (whitespaceOnly.test(name)) invalid(subject, 'must not be empty or only whitespace.');
  if (name.includes('\u0000')) invalid(subject, 'must not contain NUL characters.');
  if (controlCharacters.test(name)) invalid(subject, 'must not contain control characters or line separators.');
  if (bidiControls.test(name)) invalid(subject, 'must not contain bidirectional override or isolate characters.');
  if (loneSurrogate.test(name)) invalid(subject, 'must be valid Unicode (no unpaired surrogates).');
  if (name.includes('/') || name.includes('\\')) invalid(subject, 'must not contain "/" or "\\".');
  if (name === '.' || name === '..') invalid(subject, 'must not be "." or "..".');
  if (name.trim() !== name) invalid(subject, 'must not start or end with whitespace.');
  if (Buffer.byteLength(name, 'utf8') > FILE_NAME_MAX_BYTES) {
    invalid(subject, `must be at most ${FILE_NAME_MAX_BYTES} bytes in UTF-8.`);
  }
}

/**
 * Validates a file name and returns it NFC-normalised, so that the same name typed on macOS
 * (NFD) and elsewhere (NFC) is one name. Unicode letters, emoji, inner spaces and inner dots
 * (`a..b.txt`) are fine. Refused, with an `invalid_argument` AppError whose detail names the
 * rule: empty or whitespace-only names; NUL, other C0/C1 controls, DEL, U+2028/U+2029; bidi
 * overrides and isolates (U+202A–U+202E, U+2066–U+2069); unpaired surrogates; `/` and `\`;
 * `.` and `..`; leading or trailing whitespace (`\s`, so Unicode spaces and U+FEFF too); more
 * than {@link FILE_NAME_MAX_BYTES} UTF-8 bytes after NFC.
 *
 * Not refused: Windows-reserved names such as `CON` or `aux.txt` and trailing dots. Names
 * are stored as data, never used as local paths, so those are a download-client concern.
 */
export function validateFileName(raw: string): string {
  const name = raw.normalize('NFC');
  checkName(name, 'File name');
  return name;
}

/**
 * Validates a folder path and returns it NFC-normalised. A folder is the root `/` or
 * `/seg/seg`: a leading slash, no trailing slash, no empty segments, each segment obeying the
 * {@link validateFileName} rules (so `.`, `..` and `\` are refused, never resolved), at most
 * {@link FOLDER_PATH_MAX_DEPTH} segments and {@link FOLDER_PATH_MAX_BYTES} UTF-8 bytes in
 * all. `undefined` and `''` mean the root. Throws an `invalid_argument` AppError otherwise.
 */
export function validateFolderPath(raw: string | undefined): string {
  if (raw === undefined || raw === '') return '/';
  const path = raw.normalize('NFC');
  if (!path.startsWith('/')) invalid('Folder path', 'must start with "/".');
  if (path === '/') return path;
  if (path.endsWith('/')) invalid('Folder path', 'must not end with "/" (except the root "/").');
  if (Buffer.byteLength(path, 'utf8') > FOLDER_PATH_MAX_BYTES) {
    invalid('Folder path', `must be at most ${FOLDER_PATH_MAX_BYTES} bytes in UTF-8.`);
  }
  const segments = path.slice(1).split('/');
  if (segments.length > FOLDER_PATH_MAX_DEPTH) {
    invalid('Folder path', `must have at most ${FOLDER_PATH_MAX_DEPTH} segments.`);
  }
  segments.forEach((segment, index) => {
    if (segment === '') invalid('Folder path', 'must not contain empty segments ("//").');
    checkName(segment, `Folder path segment ${index + 1}`);
  });
  return path;
}
