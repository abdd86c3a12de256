import { Transform, type Readable } from 'node:stream';
import { AppError } from '@coffer/platform';
import { toStorageError } from './storage-error.js';

/**
 * Watches a put's body so a failure can be blamed correctly: the body's own error (a client
 * that went away, an upstream quota check) versus the storage failing.
 */
export class BodyWatch {
  #error: unknown;
  #failed = false;

  constructor(private readonly body: Readable) {
    body.once('error', (error: unknown) => {
      this.#failed = true;
      this.#error = error;
    });
  }

  /** The `AppError` a failed put rejects with. */
  failure(error: unknown): AppError {
    if (this.#failed) {
      return this.#error instanceof AppError
        ? this.#error
        : new AppError('invalid_argument', { detail: 'The body failed before it was complete.', cause: this.#error });
    }
    if (error instanceof AppError) return error;
    if (this.body.destroyed && !this.body.readableEnded) {
      return new AppError('invalid_argument', { detail: 'The body ended before it was complete.', cause: error });
    }
    return toStorageError(error);
  }
}

/** Checks `expectedSize`, when given, in both directions. */
export function validateExpectedSize(expectedSize: number | undefined): void {
  if (expectedSize !== undefined && (!Number.isSafeInteger(expectedSize) || expectedSize < 0)) {
    throw new AppError('invalid_argument', { detail: 'expectedSize must be a whole number ≥ 0.' });
  }
}

/** Counts bytes on their way through; fails as soon as the body is longer than expected, or short at its end. */
export class ByteCounter extends Transform {
  bytes = 0;

  constructor(private readonly expectedSize: number | undefined) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    if (this.expectedSize !== undefined && this.bytes > this.expectedSize) {
      callback(sizeMismatch(this.expectedSize));
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: (error?: Error | null) => void): void {
    callback(this.expectedSize !== undefined && this.bytes !== this.expectedSize ? sizeMismatch(this.expectedSize) : null);
  }
}

export function sizeMismatch(expectedSize: number): AppError {
  return new AppError('invalid_argument', { detail: `The body is not the expected ${expectedSize} bytes.` });
}
