import { describe, expect, it } from 'vitest';
import {
  evaluatePreconditions,
  formatEtag,
  ifRangeAllowsPartial,
  parseEtagList,
  type ConditionalRequest,
  type PreconditionOutcome,
  type RepresentationValidators,
} from './preconditions.js';

/** The `code` of what `action` throws, or undefined when it does not throw. */
function thrownCode(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  return undefined;
}

const ETAG = '"v2"';
const MODIFIED = new Date(Date.UTC(2024, 5, 1, 12, 0, 0, 750));
const AT_MODIFIED = 'Sat, 01 Jun 2024 12:00:00 GMT';
const BEFORE = 'Sat, 01 Jun 2024 11:59:59 GMT';
const AFTER = 'Sat, 01 Jun 2024 12:00:01 GMT';
const EXISTING: RepresentationValidators = { etag: ETAG, lastModified: MODIFIED, exists: true };
const MISSING: RepresentationValidators = { ...EXISTING, exists: false };

describe('formatEtag', () => {
  it('quotes a strong tag and marks a weak one', () => {
    expect(formatEtag('abc')).toBe('"abc"');
    expect(formatEtag('abc', true)).toBe('W/"abc"');
    expect(formatEtag('')).toBe('""');
  });

  it.each(['a"b', 'a b', 'a\nb', 'caf\u00e9'])('refuses %j as a programming error', (opaque) => {
    expect(thrownCode(() => formatEtag(opaque))).toBe('internal');
  });
});

describe('parseEtagList', () => {
  it.each<[string, ReturnType<typeof parseEtagList>]>([
    ['*', '*'],
    [' * ', '*'],
    ['"a"', [{ weak: false, opaque: 'a' }]],
    ['W/"a"', [{ weak: true, opaque: 'a' }]],
    ['"a", W/"b" ,"c"', [{ weak: false, opaque: 'a' }, { weak: true, opaque: 'b' }, { weak: false, opaque: 'c' }]],
    ['"a,b", "c"', [{ weak: false, opaque: 'a,b' }, { weak: false, opaque: 'c' }]],
    ['""', [{ weak: false, opaque: '' }]],
    ['', []],
    ['a', []],
    ['w/"a"', []],
    ['"a', []],
    ['"a"b"', []],
    ['"a b"', []],
    ['*, "a"', [{ weak: false, opaque: 'a' }]],
    ['bad, "a", ,W/"b"', [{ weak: false, opaque: 'a' }, { weak: true, opaque: 'b' }]],
  ])('parses %j', (header, expected) => {
    expect(parseEtagList(header)).toEqual(expected);
  });
});

describe('evaluatePreconditions', () => {
  type Case = [string, ConditionalRequest, RepresentationValidators, PreconditionOutcome];
  it.each<Case>([
    ['no conditions', { method: 'GET' }, EXISTING, 'proceed'],

    // If-Match: strong comparison, "*" needs a representation.
    ['If-Match matching', { method: 'PUT', ifMatch: '"v2"' }, EXISTING, 'proceed'],
    ['If-Match in a list', { method: 'PUT', ifMatch: '"v1", "v2"' }, EXISTING, 'proceed'],
    ['If-Match stale', { method: 'PUT', ifMatch: '"v1"' }, EXISTING, 'precondition-failed'],
    ['If-Match weak never matches', { method: 'PUT', ifMatch: 'W/"v2"' }, EXISTING, 'precondition-failed'],
    ['If-Match * on existing', { method: 'DELETE', ifMatch: '*' }, EXISTING, 'proceed'],
    ['If-Match * on missing', { method: 'PUT', ifMatch: '*' }, MISSING, 'precondition-failed'],
    ['If-Match tag on missing', { method: 'PUT', ifMatch: '"v2"' }, MISSING, 'precondition-failed'],
    ['If-Match invalid', { method: 'PATCH', ifMatch: 'v2' }, EXISTING, 'precondition-failed'],
    ['If-Match on GET', { method: 'GET', ifMatch: '"v1"' }, EXISTING, 'precondition-failed'],
    ['If-Match whitespace counts as absent', { method: 'PUT', ifMatch: '  ' }, EXISTING, 'proceed'],

    // If-Unmodified-Since, only without If-Match.
    ['If-Unmodified-Since at the modification second', { method: 'PUT', ifUnmodifiedSince: AT_MODIFIED }, EXISTING, 'proceed'],
    ['If-Unmodified-Since after', { method: 'PUT', ifUnmodifiedSince: AFTER }, EXISTING, 'proceed'],
    ['If-Unmodified-Since before', { method: 'PUT', ifUnmodifiedSince: BEFORE }, EXISTING, 'precondition-failed'],
    ['If-Unmodified-Since invalid date ignored', { method: 'PUT', ifUnmodifiedSince: 'last week' }, EXISTING, 'proceed'],
    ['If-Unmodified-Since ignored on missing', { method: 'PUT', ifUnmodifiedSince: BEFORE }, MISSING, 'proceed'],
    ['If-Match wins over If-Unmodified-Since', { method: 'PUT', ifMatch: '"v2"', ifUnmodifiedSince: BEFORE }, EXISTING, 'proceed'],
    ['failed If-Match is not rescued by If-Unmodified-Since', { method: 'PUT', ifMatch: '"v1"', ifUnmodifiedSince: AFTER }, EXISTING, 'precondition-failed'],

    // If-None-Match: weak comparison; 304 for reads, 412 for writes.
    ['If-None-Match matching on GET', { method: 'GET', ifNoneMatch: '"v2"' }, EXISTING, 'not-modified'],
    ['If-None-Match matching on HEAD', { method: 'HEAD', ifNoneMatch: '"v2"' }, EXISTING, 'not-modified'],
    ['If-None-Match weak tag matches weakly', { method: 'GET', ifNoneMatch: 'W/"v2"' }, EXISTING, 'not-modified'],
    ['If-None-Match in a list', { method: 'GET', ifNoneMatch: '"v0", "v1", W/"v2"' }, EXISTING, 'not-modified'],
    ['If-None-Match stale', { method: 'GET', ifNoneMatch: '"v1"' }, EXISTING, 'proceed'],
    ['If-None-Match invalid', { method: 'GET', ifNoneMatch: 'v2' }, EXISTING, 'proceed'],
    ['If-None-Match matching on PUT', { method: 'PUT', ifNoneMatch: '"v2"' }, EXISTING, 'precondition-failed'],
    ['If-None-Match * on GET', { method: 'GET', ifNoneMatch: '*' }, EXISTING, 'not-modified'],
    ['If-None-Match * create-only PUT, exists', { method: 'PUT', ifNoneMatch: '*' }, EXISTING, 'precondition-failed'],
    ['If-None-Match * create-only PUT, missing', { method: 'PUT', ifNoneMatch: '*' }, MISSING, 'proceed'],
    ['method is case-sensitive', { method: 'get', ifNoneMatch: '"v2"' }, EXISTING, 'precondition-failed'],

    // If-Modified-Since, only for GET/HEAD without If-None-Match.
    ['If-Modified-Since at the modification second', { method: 'GET', ifModifiedSince: AT_MODIFIED }, EXISTING, 'not-modified'],
    ['If-Modified-Since after', { method: 'HEAD', ifModifiedSince: AFTER }, EXISTING, 'not-modified'],
    ['If-Modified-Since before', { method: 'GET', ifModifiedSince: BEFORE }, EXISTING, 'proceed'],
    ['If-Modified-Since invalid date ignored', { method: 'GET', ifModifiedSince: '2024-06-01' }, EXISTING, 'proceed'],
    ['If-Modified-Since RFC 850 date', { method: 'GET', ifModifiedSince: 'Saturday, 01-Jun-24 12:00:00 GMT' }, EXISTING, 'not-modified'],
    ['If-Modified-Since asctime date', { method: 'GET', ifModifiedSince: 'Sat Jun  1 12:00:00 2024' }, EXISTING, 'not-modified'],
    ['If-Modified-Since ignored on PUT', { method: 'PUT', ifModifiedSince: AFTER }, EXISTING, 'proceed'],
    ['If-Modified-Since ignored on missing', { method: 'GET', ifModifiedSince: AFTER }, MISSING, 'proceed'],
    ['stale If-None-Match overrides a fresh If-Modified-Since', { method: 'GET', ifNoneMatch: '"v1"', ifModifiedSince: AFTER }, EXISTING, 'proceed'],
    ['matching If-None-Match overrides an old If-Modified-Since', { method: 'GET', ifNoneMatch: '"v2"', ifModifiedSince: BEFORE }, EXISTING, 'not-modified'],

    // Order: a 412 from step 1 or 2 wins over a 304 from step 3 or 4.
    ['failed If-Match before matching If-None-Match', { method: 'GET', ifMatch: '"v1"', ifNoneMatch: '"v2"' }, EXISTING, 'precondition-failed'],
    ['failed If-Unmodified-Since before If-Modified-Since', { method: 'GET', ifUnmodifiedSince: BEFORE, ifModifiedSince: AFTER }, EXISTING, 'precondition-failed'],
    ['passed If-Match then matching If-None-Match', { method: 'GET', ifMatch: '"v2"', ifNoneMatch: '*' }, EXISTING, 'not-modified'],
  ])('%s', (_name, request, current, outcome) => {
    expect(evaluatePreconditions(request, current)).toBe(outcome);
  });

  it('refuses a current entity tag that is not formatted', () => {
    expect(thrownCode(() => evaluatePreconditions({ method: 'GET' }, { ...EXISTING, etag: 'v2' }))).toBe('internal');
  });
});

describe('ifRangeAllowsPartial', () => {
  it.each<[string, string | undefined, boolean]>([
    ['no If-Range', undefined, true],
    ['empty If-Range', ' ', true],
    ['matching strong tag', '"v2"', true],
    ['matching tag with whitespace', ' "v2" ', true],
    ['stale tag', '"v1"', false],
    ['weak tag', 'W/"v2"', false],
    ['a list is not an If-Range value', '"v2", "v1"', false],
    ['a star is not an If-Range value', '*', false],
    ['exact date', AT_MODIFIED, true],
    ['exact date, RFC 850', 'Saturday, 01-Jun-24 12:00:00 GMT', true],
    ['earlier date', BEFORE, false],
    ['later date', AFTER, false],
    ['invalid date', 'Sat, 01 Jun 2024', false],
    ['garbage', 'v2', false],
  ])('%s: %j → %s', (_name, ifRange, allowed) => {
    expect(ifRangeAllowsPartial(ifRange, EXISTING)).toBe(allowed);
  });
});
