import { describe, expect, it } from 'vitest';
import {
  chooseRangeToServe,
  contentRangeHeader,
  MAX_RANGE_SPECS,
  parseRangeHeader,
  unsatisfiedContentRange,
  type RangeDecision,
  type RangeRequest,
} from './byte-ranges.js';

/** The `code` of what `action` throws, or undefined when it does not throw. */
function thrownCode(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  return undefined;
}

function specs(count: number): string {
  return `bytes=${Array.from({ length: count }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',')}`;
}

const none: RangeRequest = { kind: 'none' };
const unsatisfiable: RangeRequest = { kind: 'unsatisfiable' };
const ranges = (...pairs: [number, number][]): RangeRequest => ({
  kind: 'ranges',
  ranges: pairs.map(([start, end]) => ({ start, end })),
});
const full: RangeDecision = { kind: 'full' };
const partial = (start: number, end: number): RangeDecision => ({ kind: 'partial', start, end });

describe('parseRangeHeader and chooseRangeToServe', () => {
  it.each<[string, string | undefined, number, RangeRequest, RangeDecision]>([
    ['no header', undefined, 1000, none, full],
    ['first byte', 'bytes=0-0', 1000, ranges([0, 0]), partial(0, 0)],
    ['open-ended from 0', 'bytes=0-', 1000, ranges([0, 999]), partial(0, 999)],
    ['last byte', 'bytes=-1', 1000, ranges([999, 999]), partial(999, 999)],
    ['zero-length suffix', 'bytes=-0', 1000, unsatisfiable, { kind: 'unsatisfiable' }],
    ['suffix longer than the representation', 'bytes=-5000', 1000, ranges([0, 999]), partial(0, 999)],
    ['suffix exactly the representation', 'bytes=-1000', 1000, ranges([0, 999]), partial(0, 999)],
    ['open-ended at the last byte', 'bytes=999-', 1000, ranges([999, 999]), partial(999, 999)],
    ['open-ended past the end', 'bytes=1000-', 1000, unsatisfiable, { kind: 'unsatisfiable' }],
    ['closed past the end', 'bytes=1000-2000', 1000, unsatisfiable, { kind: 'unsatisfiable' }],
    ['last-pos clamped', 'bytes=500-5000', 1000, ranges([500, 999]), partial(500, 999)],
    ['first-pos after last-pos', 'bytes=500-400', 1000, none, full],
    ['one bad spec spoils the header', 'bytes=0-1,500-400', 1000, none, full],
    ['overlapping ranges merge', 'bytes=0-1,1-2', 1000, ranges([0, 1], [1, 2]), partial(0, 2)],
    ['disjoint ranges are served in full', 'bytes=0-1,5-6', 1000, ranges([0, 1], [5, 6]), full],
    ['adjacent ranges merge', 'bytes=0-99,100-199', 1000, ranges([0, 99], [100, 199]), partial(0, 199)],
    ['unsorted ranges merge', 'bytes=100-199,0-99', 1000, ranges([100, 199], [0, 99]), partial(0, 199)],
    ['contained range merges', 'bytes=0-500,10-20', 1000, ranges([0, 500], [10, 20]), partial(0, 500)],
    ['suffix merges with a range', 'bytes=-100,0-899', 1000, ranges([900, 999], [0, 899]), partial(0, 999)],
    ['unsatisfiable specs are dropped', 'bytes=2000-,0-9', 1000, ranges([0, 9]), partial(0, 9)],
    ['all specs unsatisfiable', 'bytes=2000-,-0', 1000, unsatisfiable, { kind: 'unsatisfiable' }],
    ['another unit', 'items=0-1', 1000, none, full],
    ['unit is case-insensitive', 'Bytes=0-1', 1000, ranges([0, 1]), partial(0, 1)],
    ['empty range set', 'bytes=', 1000, none, full],
    ['only commas', 'bytes=,,', 1000, none, full],
    ['empty list elements skipped', 'bytes=0-1,,2-3', 1000, ranges([0, 1], [2, 3]), partial(0, 3)],
    ['letters', 'bytes=abc', 1000, none, full],
    ['no unit', '=0-1', 1000, none, full],
    ['no equals sign', 'bytes 0-1', 1000, none, full],
    ['lone dash', 'bytes=-', 1000, none, full],
    ['negative first-pos', 'bytes=--1', 1000, none, full],
    ['fraction', 'bytes=0.5-1', 1000, none, full],
    ['plus sign', 'bytes=+1-2', 1000, none, full],
    ['hex', 'bytes=0x10-0x20', 1000, none, full],
    ['non-ASCII digits', 'bytes=\u0661-\u0662', 1000, none, full],
    ['outer whitespace', '  bytes=0-1\t', 1000, ranges([0, 1]), partial(0, 1)],
    ['whitespace around commas', 'bytes=0-1 , \t2-3', 1000, ranges([0, 1], [2, 3]), partial(0, 3)],
    ['leading and spaced equals', ' bytes = 0-1', 1000, none, full],
    ['space before equals', 'bytes =0-1', 1000, none, full],
    ['space after equals', 'bytes= 0-1', 1000, ranges([0, 1]), partial(0, 1)],
    ['space inside a spec', 'bytes=0 - 1', 1000, none, full],
    ['leading zeros', 'bytes=000-009', 1000, ranges([0, 9]), partial(0, 9)],
    ['huge last-pos', 'bytes=0-99999999999999999999999', 1000, ranges([0, 999]), partial(0, 999)],
    ['huge first-pos', 'bytes=99999999999999999999999-', 1000, unsatisfiable, { kind: 'unsatisfiable' }],
    ['huge suffix', 'bytes=-99999999999999999999999', 1000, ranges([0, 999]), partial(0, 999)],
    // Both round to the same double; as numbers they would look equal and the header valid.
    ['huge first-pos > last-pos beyond double precision', 'bytes=9007199254740993-9007199254740992', 1000, none, full],
    [`${MAX_RANGE_SPECS} specs`, specs(MAX_RANGE_SPECS), 10_000, ranges(...Array.from({ length: 100 }, (_, i): [number, number] => [i * 10, i * 10 + 1])), full],
    [`${MAX_RANGE_SPECS + 1} specs`, specs(MAX_RANGE_SPECS + 1), 10_000, none, full],
    ['size 0, no header', undefined, 0, none, full],
    ['size 0, open-ended', 'bytes=0-', 0, unsatisfiable, { kind: 'unsatisfiable' }],
    ['size 0, closed', 'bytes=0-0', 0, unsatisfiable, { kind: 'unsatisfiable' }],
    ['size 0, zero suffix', 'bytes=-0', 0, unsatisfiable, { kind: 'unsatisfiable' }],
    ['size 0, non-zero suffix is ignored', 'bytes=-5', 0, none, full],
    ['size 0, suffix among unsatisfiable specs', 'bytes=0-,-5', 0, none, full],
    ['size 0, invalid header', 'bytes=abc', 0, none, full],
    ['size 1, suffix', 'bytes=-5', 1, ranges([0, 0]), partial(0, 0)],
    ['largest safe size', `bytes=${Number.MAX_SAFE_INTEGER - 1}-`, Number.MAX_SAFE_INTEGER, ranges([Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER - 1]), partial(Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER - 1)],
  ])('%s: %j on %d bytes', (_name, header, size, request, decision) => {
    const parsed = parseRangeHeader(header, size);
    expect(parsed).toEqual(request);
    expect(chooseRangeToServe(parsed)).toEqual(decision);
  });

  it('does not change the parsed ranges when merging', () => {
    const parsed = parseRangeHeader('bytes=0-1,1-2', 1000);
    chooseRangeToServe(parsed);
    expect(parsed).toEqual(ranges([0, 1], [1, 2]));
  });

  it.each([-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1])('refuses a size of %d as a programming error', (size) => {
    expect(thrownCode(() => parseRangeHeader('bytes=0-1', size))).toBe('internal');
  });
});

describe('Content-Range', () => {
  it('formats a satisfied range', () => {
    expect(contentRangeHeader(0, 99, 1000)).toBe('bytes 0-99/1000');
    expect(contentRangeHeader(999, 999, 1000)).toBe('bytes 999-999/1000');
  });

  it('formats an unsatisfied range', () => {
    expect(unsatisfiedContentRange(1000)).toBe('bytes */1000');
    expect(unsatisfiedContentRange(0)).toBe('bytes */0');
  });

  it.each([
    [-1, 0, 10],
    [5, 4, 10],
    [0, 10, 10],
    [0, 0, 0],
    [0.5, 1, 10],
  ])('refuses %d-%d/%d as a programming error', (start, end, size) => {
    expect(thrownCode(() => contentRangeHeader(start, end, size))).toBe('internal');
  });
});
