import { errors } from '@coffer/platform';
import { parseHttpDate, toHttpSeconds } from './http-date.js';

/** An entity tag (RFC 9110 §8.8.3): the opaque value between the quotes, and whether `W/` marks it weak. */
export interface EntityTag {
  weak: boolean;
  opaque: string;
}

/** The conditional header fields of a request, as received (undefined when absent). */
export interface ConditionalRequest {
  /** The request method, case-sensitive as in HTTP (`GET`, not `get`). */
  method: string;
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
  ifModifiedSince?: string | undefined;
  ifUnmodifiedSince?: string | undefined;
}

/** The validators of the selected representation. */
export interface RepresentationValidators {
  /** The current entity tag as sent in ETag, strong (see {@link formatEtag}). */
  etag: string;
  /** The current Last-Modified time; compared at whole seconds. */
  lastModified: Date;
  /** False when the target has no current representation (e.g. a PUT that would create it). */
  exists: boolean;
}

/** What to do with a conditional request: carry on, answer 304, or answer 412. */
export type PreconditionOutcome = 'proceed' | 'not-modified' | 'precondition-failed';

/** Characters allowed between the quotes (`etagc`): `!`, `#`–`~`, and obs-text. */
const ETAG = /^(W\/)?"([\x21\x23-\x7E\x80-\xFF]*)"$/;
/** What this server generates: visible ASCII only, so the header never needs obs-text. */
const GENERATED_OPAQUE = /^[\x21\x23-\x7E]*$/;

/**
 * Formats an entity tag for ETag, If-Match and the like: `"abc"`, or `W/"abc"` when weak.
 * Throws `AppError('internal')` when `opaque` holds a `"`, a space, a control or a
 * non-ASCII character, since that would be a malformed header built by our own code.
 */
export function formatEtag(opaque: string, weak = false): string {
  if (!GENERATED_OPAQUE.test(opaque)) {
    throw errors.internal(new TypeError('An entity tag may only hold visible ASCII characters other than ".'));
  }
  return `${weak ? 'W/' : ''}"${opaque}"`;
}

/**
 * Parses an If-Match or If-None-Match value: `'*'`, or the entity tags of a comma-separated
 * list. The parser is tolerant: a list element that is not a valid entity tag (unquoted,
 * lower-case `w/`, a `*` inside a list, an unterminated quote) is dropped, so it never
 * matches anything. Commas inside quotes are part of the tag.
 */
export function parseEtagList(header: string): '*' | EntityTag[] {
  if (header.trim() === '*') return '*';
  const tags: EntityTag[] = [];
  for (const element of splitList(header)) {
    const tag = parseEntityTag(element);
    if (tag !== undefined) tags.push(tag);
  }
  return tags;
}

/**
 * Evaluates the preconditions of a request in the order of RFC 9110 §13.2.2:
 *
 * 1. If-Match (strong comparison): false → 412. `*` is true only when a representation exists.
 * 2. Only without If-Match, If-Unmodified-Since: modified after the date → 412.
 * 3. If-None-Match (weak comparison): a match (or `*` on an existing representation) → 304
 *    for GET and HEAD, 412 for any other method (`If-None-Match: *` guards a create-only PUT).
 * 4. Only for GET and HEAD without If-None-Match, If-Modified-Since: not modified since the
 *    date → 304.
 *
 * Dates that are not valid HTTP-dates are ignored, as are the date conditions when nothing
 * exists (there is no modification date to compare). A field holding only whitespace counts
 * as absent.
 *
 * The caller applies §13.2.1 first: preconditions only matter when the request would
 * otherwise succeed, so a GET of a missing object is a 404 whatever its conditions. The
 * §13.2.2 allowance to answer 2xx when a failed state-changing request is known to have
 * already succeeded is also left to the caller.
 */
export function evaluatePreconditions(request: ConditionalRequest, current: RepresentationValidators): PreconditionOutcome {
  const currentTag = current.exists ? parseCurrentEtag(current.etag) : undefined;
  const lastModified = current.exists ? toHttpSeconds(validDate(current.lastModified)) : undefined;
  const isRead = request.method === 'GET' || request.method === 'HEAD';
  const ifMatch = present(request.ifMatch);
  const ifUnmodifiedSince = present(request.ifUnmodifiedSince);
  const ifNoneMatch = present(request.ifNoneMatch);
  const ifModifiedSince = present(request.ifModifiedSince);

  if (ifMatch !== undefined) {
    if (!listMatches(parseEtagList(ifMatch), currentTag, strongMatch)) return 'precondition-failed';
  } else if (ifUnmodifiedSince !== undefined && lastModified !== undefined) {
    const date = parseHttpDate(ifUnmodifiedSince);
    if (date !== undefined && lastModified > toHttpSeconds(date)) return 'precondition-failed';
  }

  if (ifNoneMatch !== undefined) {
    if (listMatches(parseEtagList(ifNoneMatch), currentTag, weakMatch)) return isRead ? 'not-modified' : 'precondition-failed';
  } else if (isRead && ifModifiedSince !== undefined && lastModified !== undefined) {
    const date = parseHttpDate(ifModifiedSince);
    if (date !== undefined && lastModified <= toHttpSeconds(date)) return 'not-modified';
  }

  return 'proceed';
}

/**
 * Whether a Range may be honoured given If-Range (RFC 9110 §13.1.5): true without If-Range;
 * for an entity tag, only a strong match (a weak tag never matches); for an HTTP-date, only
 * an exact match with `lastModified` at whole seconds. Anything unparsable is false, so the
 * client gets the full representation rather than a slice of something it does not have.
 *
 * Our Last-Modified is treated as a strong validator: it is the time the object's bytes were
 * committed, and an object's bytes never change after that.
 */
export function ifRangeAllowsPartial(ifRange: string | undefined, current: Pick<RepresentationValidators, 'etag' | 'lastModified'>): boolean {
  const value = present(ifRange);
  if (value === undefined) return true;
  if (value.startsWith('"') || value.startsWith('W/')) {
    const tag = parseEntityTag(value);
    return tag !== undefined && strongMatch(tag, parseCurrentEtag(current.etag));
  }
  const date = parseHttpDate(value);
  return date !== undefined && toHttpSeconds(date) === toHttpSeconds(validDate(current.lastModified));
}

function parseEntityTag(text: string): EntityTag | undefined {
  const match = ETAG.exec(text.trim());
  if (match?.[2] === undefined) return undefined;
  return { weak: match[1] !== undefined, opaque: match[2] };
}

function parseCurrentEtag(etag: string): EntityTag {
  const tag = parseEntityTag(etag);
  if (tag === undefined) throw errors.internal(new TypeError('The current entity tag is not a formatted entity tag.'));
  return tag;
}

/** Splits a list on commas outside double quotes. */
function splitList(header: string): string[] {
  const elements: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < header.length; i += 1) {
    const char = header[i];
    if (char === '"') quoted = !quoted;
    else if (char === ',' && !quoted) {
      elements.push(header.slice(start, i));
      start = i + 1;
    }
  }
  elements.push(header.slice(start));
  return elements;
}

function listMatches(list: '*' | EntityTag[], current: EntityTag | undefined, match: (a: EntityTag, b: EntityTag) => boolean): boolean {
  if (current === undefined) return false;
  return list === '*' || list.some((tag) => match(tag, current));
}

/** Strong comparison (RFC 9110 §8.8.3.2): neither weak, same opaque value. */
function strongMatch(a: EntityTag, b: EntityTag): boolean {
  return !a.weak && !b.weak && a.opaque === b.opaque;
}

/** Weak comparison: same opaque value, whatever the `W/` markers. */
function weakMatch(a: EntityTag, b: EntityTag): boolean {
  return a.opaque === b.opaque;
}

function present(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function validDate(date: Date): Date {
  if (Number.isNaN(date.getTime())) throw errors.internal(new RangeError('The Last-Modified date is invalid.'));
  return date;
}
