import { createHash } from 'node:crypto';

/** How far a transfer has come; `total` when the size is known. */
export interface TransferProgress {
  transferred: number;
  total?: number;
}

/** What a metered stream saw, once it has ended. */
export interface MeteredResult {
  transferred: number;
  sha256: string;
}

/** Settings of {@link meteredStream}. */
export interface MeterOptions {
  total?: number | undefined;
  onProgress?: ((progress: TransferProgress) => void) | undefined;
  /** Called at the end with the count and hash; an error returned here errors the stream instead of ending it. */
  onEnd?: ((result: MeteredResult) => Error | undefined) | undefined;
}

/**
 * The same bytes, counted and SHA-256 hashed as they flow, with progress reported per chunk.
 * Nothing is held beyond the chunk in hand.
 */
export function meteredStream(source: ReadableStream<Uint8Array>, options: MeterOptions): ReadableStream<Uint8Array> {
  const hash = createHash('sha256');
  let transferred = 0;
  const progress = (): TransferProgress => (options.total === undefined ? { transferred } : { transferred, total: options.total });
  const meter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      hash.update(chunk);
      transferred += chunk.byteLength;
      controller.enqueue(chunk);
      if (chunk.byteLength > 0) options.onProgress?.(progress());
    },
    flush() {
      if (transferred === 0) options.onProgress?.(progress());
      const failure = options.onEnd?.({ transferred, sha256: hash.digest('hex') });
      if (failure) throw failure;
    },
  });
  return source.pipeThrough(meter);
}
