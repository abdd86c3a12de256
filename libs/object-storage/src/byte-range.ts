import { AppError } from '@coffer/platform';
import type { ByteRange } from './object-store.js';

/** Checks a range's shape before any I/O: whole, non-negative numbers with start ≤ end. */
export function validateByteRange(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0) {
    throw new AppError('invalid_argument', { detail: 'The range start must be a whole number ≥ 0.' });
  }
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start)) {
    throw new AppError('invalid_argument', { detail: 'The range end must be a whole number ≥ the start.' });
  }
}

/**
 * The inclusive range served for an object of `size` bytes: `end` is clamped to the last
 * byte; a start at or past the end (any range of an empty object) is `range_not_satisfiable`.
 */
export function resolveByteRange(range: ByteRange, size: number): { start: number; end: number } {
  if (range.start >= size) {
    throw new AppError('range_not_satisfiable', { detail: `The range starts at or after the end of the object (${size} bytes).` });
  }
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}
