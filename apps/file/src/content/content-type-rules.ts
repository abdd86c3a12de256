import { AppError } from '@coffer/platform';

/** What a missing or unparseable declared content type becomes. */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

// RFC 9110 §5.6.2 token. RFC 6838 §4.2 caps type and subtype names at 127 characters.
const TOKEN = "[!#$%&'*+\\-.^_`|~0-9a-z]{1,127}";
const mediaType = new RegExp(`^(${TOKEN})/(${TOKEN})$`, 'i');

/**
 * Splits `type/subtype` into lowercased parts, or undefined when either part is not an RFC
 * 9110 token. `*` is a token character, so callers decide where a wildcard is acceptable.
 */
function parseMediaType(value: string): { type: string; subtype: string } | undefined {
  const match = mediaType.exec(value);
  const type = match?.[1];
  const subtype = match?.[2];
  if (type === undefined || subtype === undefined) return undefined;
  return { type: type.toLowerCase(), subtype: subtype.toLowerCase() };
}

/** A concrete type: no `*` anywhere, since `*` only means something in a pattern. */
function isConcrete(parsed: { type: string; subtype: string }): boolean {
  return !parsed.type.includes('*') && !parsed.subtype.includes('*');
}

/**
 * Normalises a `Content-Type` header as a client declared it: the lowercased `type/subtype`
 * essence, parameters (`; charset=utf-8`) dropped. Missing, empty or invalid values (no slash,
 * non-token characters, wildcards, several comma-separated types) become
 * {@link DEFAULT_CONTENT_TYPE}, so what we store and later serve is always a clean essence.
 */
export function normaliseDeclaredContentType(header: string | undefined): string {
  if (header === undefined) return DEFAULT_CONTENT_TYPE;
  const essence = (header.split(';', 1)[0] ?? '').replace(/^[ \t]+|[ \t]+$/g, '');
  const parsed = parseMediaType(essence);
  if (parsed === undefined || !isConcrete(parsed)) return DEFAULT_CONTENT_TYPE;
  return `${parsed.type}/${parsed.subtype}`;
}

/**
 * Validates one content-type pattern and returns it lowercased: `type/subtype`, `type/*` or
 * `*\/*`. Parameters, `*\/subtype` and partial wildcards (`image/pn*`) are refused, since they
 * would silently match nothing or not what the operator meant.
 */
function parsePattern(raw: string): string {
  const pattern = raw.trim();
  const parsed = parseMediaType(pattern);
  const wildcardOk =
    parsed !== undefined &&
    (isConcrete(parsed) || (parsed.type === '*' && parsed.subtype === '*') || (!parsed.type.includes('*') && parsed.subtype === '*'));
  if (parsed === undefined || !wildcardOk) {
    throw new AppError('invalid_argument', {
      detail: `Content type pattern ${JSON.stringify(pattern)} is not valid: use type/subtype, type/* or */*, without parameters.`,
    });
  }
  return `${parsed.type}/${parsed.subtype}`;
}

/**
 * Parses a comma-separated list of content-type patterns from configuration (for example
 * `COFFER_FILE_DENY_TYPES=text/html,image/svg+xml`). Entries are trimmed and lowercased, empty
 * entries and duplicates dropped; `undefined` or a blank string is an empty list. Throws an
 * `invalid_argument` AppError naming the first bad pattern.
 */
export function parseContentTypeList(csv: string | undefined): string[] {
  if (csv === undefined) return [];
  const patterns = csv
    .split(',')
    .filter((entry) => entry.trim() !== '')
    .map(parsePattern);
  return [...new Set(patterns)];
}

/** `pattern` (already validated and lowercased) matches the normalised `type/subtype`. */
function matches(pattern: string, contentType: string): boolean {
  if (pattern === '*/*') return true;
  if (pattern.endsWith('/*')) return contentType.startsWith(pattern.slice(0, -1));
  return pattern === contentType;
}

/** Which content types an upload may have. Both lists hold patterns; see {@link ContentTypeRules}. */
export interface ContentTypeRulesConfig {
  /** Sniffed types that are accepted; empty means every type not denied. */
  allow: readonly string[];
  /** Declared or sniffed types that are refused, whatever `allow` says. */
  deny: readonly string[];
}

/** The two content types of an upload, as {@link ContentTypeRules.check} compares them. */
export interface UploadContentTypes {
  /** The client's `Content-Type`, raw or normalised; missing is treated as application/octet-stream. */
  declared: string | undefined;
  /** What `sniffContentType` found in the first bytes. */
  sniffed: string;
}

/**
 * The content-type policy for uploads. Deny is checked first and wins: an upload is refused
 * when its declared type or its sniffed type matches a deny pattern (so an HTML page labelled
 * image/png is caught by a `text/html` deny through its bytes). Then, when `allow` is not
 * empty, the sniffed type must match an allow pattern; the declared type is not required to,
 * because clients often declare application/octet-stream for everything. Patterns are
 * `type/subtype`, `type/*` or `*\/*`, case-insensitive; parameters on the checked values are
 * ignored. The constructor validates the patterns and throws `invalid_argument` on bad ones.
 *
 * Note that a sniffed OOXML type (docx, xlsx, pptx) is not application/zip: denying zip does
 * not deny Office documents.
 */
export class ContentTypeRules {
  private readonly allow: readonly string[];
  private readonly deny: readonly string[];

  constructor(config: ContentTypeRulesConfig) {
    this.allow = [...new Set(config.allow.map(parsePattern))];
    this.deny = [...new Set(config.deny.map(parsePattern))];
  }

  /**
   * Returns when the upload is acceptable; throws an `unsupported_media_type` AppError whose
   * detail names the refused type (normalised, so it never echoes arbitrary client input).
   */
  check({ declared, sniffed }: UploadContentTypes): void {
    const declaredType = normaliseDeclaredContentType(declared);
    const sniffedType = normaliseDeclaredContentType(sniffed);
    if (this.deny.some((pattern) => matches(pattern, declaredType))) {
      refuse(`Files declared as ${declaredType} are not accepted.`);
    }
    if (this.deny.some((pattern) => matches(pattern, sniffedType))) {
      refuse(`The file content looks like ${sniffedType}, which is not accepted.`);
    }
    if (this.allow.length > 0 && !this.allow.some((pattern) => matches(pattern, sniffedType))) {
      refuse(`The file content looks like ${sniffedType}, which is not among the accepted types.`);
    }
  }
}

function refuse(detail: string): never {
  throw new AppError('unsupported_media_type', { detail });
}
