/**
 * The longest file name sent, in UTF-8 bytes: the common file system limit. Longer names are
 * cut at a grapheme boundary, keeping a short extension.
 */
export const MAX_FILENAME_BYTES = 255;

/** What {@link contentDisposition} sends when nothing usable is left of a name. */
export const FALLBACK_FILENAME = 'download';

/** The longest suffix, dot included, kept as the extension when a name is cut. */
const MAX_EXTENSION_LENGTH = 16;

/**
 * Removed outright: C0 and C1 controls, DEL, the line and paragraph separators, and the
 * bidirectional formatting characters (embeddings, overrides and isolates U+202A–U+202E,
 * U+2066–U+2069, plus the marks U+200E, U+200F, U+061C), which can make `‮txt.exe` display
 * as `exe.txt`.
 */
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const STRIPPED = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;
/** Surrogates without a partner: not encodable as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** Path separators become `_` in both parameters, so no recipient has to strip a path. */
const PATH_SEPARATOR = /[/\\]/g;
/** What may stay in the quoted ASCII `filename`; everything else becomes `_`. */
const FALLBACK_SAFE = /[\x20-\x7E]/;
const FALLBACK_REPLACED = /["\\/%;]/;
/** RFC 8187 `attr-char`: sent as is in `filename*`; every other byte is percent-encoded. */
const ATTR_CHAR = /^[A-Za-z0-9!#$&+\-.^_`|~]$/;
const COMBINING_MARK = /\p{M}/gu;

/**
 * A Content-Disposition value for a user-supplied file name (RFC 6266 with RFC 8187), e.g.
 * `attachment; filename="resume.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`.
 *
 * The name is cleaned first: Unicode NFC, control and bidi characters removed, lone
 * surrogates replaced with U+FFFD, `/` and `\` replaced with `_`, surrounding whitespace
 * trimmed, and cut to {@link MAX_FILENAME_BYTES}. `filename` always carries an ASCII-only
 * quoted fallback (accents dropped, other non-ASCII and `"` `\` `/` `%` `;` replaced with `_`,
 * {@link FALLBACK_FILENAME} when nothing usable is left); `filename*` is added, after
 * `filename` as RFC 6266 Appendix D advises, whenever the fallback differs from the cleaned
 * name. The result is printable ASCII only, so it is always a valid header value.
 */
export function contentDisposition(type: 'attachment' | 'inline', filename: string): string {
  const cleaned = cleanFilename(filename);
  // Nothing but dots, underscores and spaces (`..`, `___`) is no name at all.
  const name = /^[\s._]*$/.test(cleaned) ? FALLBACK_FILENAME : cleaned;
  const fallback = asciiFallback(name);
  const parameters = [`filename="${fallback}"`];
  if (name !== fallback) parameters.push(`filename*=UTF-8''${encodeExtValue(name)}`);
  return `${type}; ${parameters.join('; ')}`;
}

function cleanFilename(filename: string): string {
  const cleaned = filename
    .replace(LONE_SURROGATE, '\uFFFD')
    .normalize('NFC')
    .replace(STRIPPED, '')
    .replace(PATH_SEPARATOR, '_')
    .trim();
  return truncate(cleaned);
}

/** Cuts `name` to {@link MAX_FILENAME_BYTES}, keeping a short extension and whole graphemes. */
function truncate(name: string): string {
  if (utf8Length(name) <= MAX_FILENAME_BYTES) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= MAX_EXTENSION_LENGTH && !/\s/.test(name.slice(dot)) ? name.slice(dot) : '';
  const budget = MAX_FILENAME_BYTES - utf8Length(extension);
  let stem = '';
  let used = 0;
  for (const { segment } of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(name.slice(0, name.length - extension.length))) {
    const size = utf8Length(segment);
    if (used + size > budget) break;
    stem += segment;
    used += size;
  }
  return `${stem.trimEnd()}${extension}`;
}

function asciiFallback(name: string): string {
  let fallback = '';
  for (const char of name.normalize('NFKD').replace(COMBINING_MARK, '')) {
    fallback += FALLBACK_SAFE.test(char) && !FALLBACK_REPLACED.test(char) ? char : '_';
  }
  // Decomposition can turn one character into several; keep the fallback within the limit.
  fallback = fallback.slice(0, MAX_FILENAME_BYTES).trim();
  return /^[\s._]*$/.test(fallback) ? FALLBACK_FILENAME : fallback;
}

/** RFC 8187 `value-chars`: attr-char as is, every other UTF-8 byte as `%XX`. */
function encodeExtValue(value: string): string {
  let encoded = '';
  for (const char of value) {
    if (ATTR_CHAR.test(char)) {
      encoded += char;
    } else {
      for (const byte of Buffer.from(char, 'utf8')) encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return encoded;
}

function utf8Length(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}
