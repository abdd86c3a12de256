import { errors } from '@coffer/platform';

/**
 * Range requests (RFC 9110 §14) for a representation whose size is known up front, which is
 * every stored object in Coffer.
 *
 * Decisions (each one is a place where the RFC lets a server choose):
 *
 * - A header we cannot parse, a unit other than `bytes`, or more than {@link MAX_RANGE_SPECS}
 *   specs is ignored (`{ kind: 'none' }`): the RFC says an invalid Range is ignored, and
 *   ignoring always ends in a correct 200.
 * - Several ranges that do not merge into one are answered with the full representation
 *   (200), never `multipart/byteranges`. Serving one contiguous slice keeps the response a
 *   single stream from object storage, and it closes the multi-range amplification class
 *   (many small or overlapping ranges that cost far more to serve than the object itself,
 *   RFC 9110 §17.15 / CVE-2011-3192). Clients that need several slices ask for them in turn.
 * - An empty representation (size 0): an int-range (`0-`, `0-0`) and `-0` are unsatisfiable,
 *   so those give 416 (see {@link unsatisfiedContentRange}). RFC 9110 §14.1.1 calls a suffix range with a non-zero
 *   length (`-5`) satisfiable even then, yet a 206 cannot describe zero bytes (a
 *   Content-Range needs first ≤ last), so such a header is ignored and the empty
 *   representation is sent with 200.
 */

/** The most range specs a Range header may hold before the whole header is ignored. */
export const MAX_RANGE_SPECS = 100;

/** Inclusive byte positions within a representation: `0 ≤ start ≤ end < size`. */
export interface InclusiveByteRange {
  start: number;
  end: number;
}

/** What a Range header asks for, resolved against the representation size. */
export type RangeRequest =
  /** No Range header, a unit other than `bytes`, or a header to ignore. */
  | { kind: 'none' }
  /** Valid syntax, but no range overlaps the representation: answer 416. */
  | { kind: 'unsatisfiable' }
  /** The satisfiable ranges, in header order, clamped to the representation. */
  | { kind: 'ranges'; ranges: InclusiveByteRange[] };

/** How to answer a request, after {@link chooseRangeToServe}. */
export type RangeDecision =
  /** 200 with the whole representation. */
  | { kind: 'full' }
  /** 206 with `Content-Range: bytes start-end/size`. */
  | { kind: 'partial'; start: number; end: number }
  /** 416 with the Content-Range of {@link unsatisfiedContentRange}. */
  | { kind: 'unsatisfiable' };

const OWS = /^[ \t]*|[ \t]*$/g;
const INT_RANGE = /^(\d+)-(\d*)$/;
const SUFFIX_RANGE = /^-(\d+)$/;
const UNIT = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Parses a Range header (`bytes=0-99,200-`) for a representation of `size` bytes.
 *
 * Positions are compared as `bigint`, so `bytes=0-99999999999999999999` is exact rather than
 * rounded; only values below `size` (a safe integer) are turned back into numbers. The unit
 * is matched case-insensitively. Whitespace is allowed around each range spec (so around
 * commas and after `=`) and around the whole value, but not between the unit and `=` or
 * inside a spec: `bytes =0-1` and `bytes=0 - 1` are ignored. Empty list elements
 * (`bytes=0-1,,2-3`) are skipped as RFC 9110 §5.6.1 asks, but still count towards
 * {@link MAX_RANGE_SPECS}.
 *
 * @param header - the Range field value, or undefined when the request has none.
 * @param size - the representation length in bytes; a safe integer ≥ 0.
 */
export function parseRangeHeader(header: string | undefined, size: number): RangeRequest {
  assertSize(size);
  if (header === undefined) return { kind: 'none' };

  const value = header.replace(OWS, '');
  const equals = value.indexOf('=');
  if (equals <= 0) return { kind: 'none' };
  const unit = value.slice(0, equals);
  if (!UNIT.test(unit) || unit.toLowerCase() !== 'bytes') return { kind: 'none' };

  const elements = value.slice(equals + 1).split(',');
  if (elements.length > MAX_RANGE_SPECS) return { kind: 'none' };

  const total = BigInt(size);
  const ranges: InclusiveByteRange[] = [];
  let specCount = 0;
  let anySatisfiable = false;
  for (const element of elements) {
    const spec = element.replace(OWS, '');
    if (spec === '') continue;
    specCount += 1;
    const resolved = resolveSpec(spec, total);
    if (resolved === 'invalid') return { kind: 'none' };
    if (resolved === 'unsatisfiable') continue;
    anySatisfiable = true;
    if (resolved !== 'empty') ranges.push(resolved);
  }

  if (specCount === 0) return { kind: 'none' };
  if (!anySatisfiable) return { kind: 'unsatisfiable' };
  // Satisfiable but selecting no bytes: only a suffix range on an empty representation.
  if (ranges.length === 0) return { kind: 'none' };
  return { kind: 'ranges', ranges };
}

/**
 * Picks what to send: overlapping or adjacent ranges are merged; one remaining range is
 * served as 206, several as the full representation with 200 (see the module notes for why
 * there is no `multipart/byteranges`).
 */
export function chooseRangeToServe(request: RangeRequest): RangeDecision {
  switch (request.kind) {
    case 'none':
      return { kind: 'full' };
    case 'unsatisfiable':
      return { kind: 'unsatisfiable' };
    case 'ranges': {
      const merged = mergeRanges(request.ranges);
      const [only] = merged;
      if (merged.length === 1 && only !== undefined) return { kind: 'partial', start: only.start, end: only.end };
      return { kind: 'full' };
    }
  }
}

/** The Content-Range of a 206: `bytes 0-99/1000`. */
export function contentRangeHeader(start: number, end: number, size: number): string {
  assertSize(size);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end || end >= size) {
    throw errors.internal(new RangeError(`Invalid byte range ${start}-${end} for a representation of ${size} bytes.`));
  }
  return `bytes ${start}-${end}/${size}`;
}

/** The Content-Range of a 416 (RFC 9110 §14.4): an asterisk in place of the range, then the size. */
export function unsatisfiedContentRange(size: number): string {
  assertSize(size);
  return `bytes */${size}`;
}

/** Sorts by start and joins ranges that overlap or touch (`0-99` and `100-199` → `0-199`). */
function mergeRanges(ranges: readonly InclusiveByteRange[]): InclusiveByteRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: InclusiveByteRange[] = [];
  for (const range of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && range.start <= last.end + 1) {
      last.end = Math.max(last.end, range.end);
    } else {
      merged.push({ ...range });
    }
  }
  return merged;
}

/**
 * One range spec against a representation of `total` bytes: the clamped range, `'empty'`
 * (satisfiable but zero bytes), `'unsatisfiable'`, or `'invalid'` (the header is ignored).
 */
function resolveSpec(spec: string, total: bigint): InclusiveByteRange | 'empty' | 'unsatisfiable' | 'invalid' {
  const suffix = SUFFIX_RANGE.exec(spec);
  if (suffix?.[1] !== undefined) {
    const length = BigInt(suffix[1]);
    if (length === 0n) return 'unsatisfiable';
    if (total === 0n) return 'empty';
    const start = length >= total ? 0n : total - length;
    return { start: Number(start), end: Number(total - 1n) };
  }

  const int = INT_RANGE.exec(spec);
  if (int?.[1] === undefined) return 'invalid';
  const first = BigInt(int[1]);
  const last = int[2] === undefined || int[2] === '' ? undefined : BigInt(int[2]);
  if (last !== undefined && last < first) return 'invalid';
  if (first >= total) return 'unsatisfiable';
  const end = last === undefined || last >= total ? total - 1n : last;
  return { start: Number(first), end: Number(end) };
}

function assertSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw errors.internal(new RangeError(`A representation size must be a safe integer ≥ 0, got ${size}.`));
  }
}
