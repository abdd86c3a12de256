import { Readable } from 'node:stream';
import type { fileV1 } from '@coffer/contracts';
import { AppError } from '@coffer/platform';

/** An upload split into its header and its bytes. */
export interface SplitUpload {
  header: fileV1.UploadHeader;
  /**
   * The chunk bytes as one byte stream. Pull-based: the next message is read from the call only
   * when the stream's consumer asks for more, so a slow store slows the client down (HTTP/2
   * flow control) instead of piling chunks up in memory.
   */
  body: Readable;
}

/** How many bytes the byte stream buffers before it stops pulling messages. */
const BODY_HIGH_WATER_MARK = 64 * 1024;

/**
 * Reads the first message of an UploadFile call, which must be the header (else
 * `invalid_argument`), and turns the rest into a byte stream. A header after the first message
 * fails the byte stream with `invalid_argument`.
 */
export async function splitUpload(messages: AsyncIterable<fileV1.UploadFileRequest>): Promise<SplitUpload> {
  const iterator = messages[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done === true || first.value.part?.$case !== 'header') {
    await iterator.return?.();
    throw new AppError('invalid_argument', { detail: 'The first message of an upload must be its header.' });
  }
  return { header: first.value.part.header, body: Readable.from(chunks(iterator), { objectMode: false, highWaterMark: BODY_HIGH_WATER_MARK }) };
}

async function* chunks(iterator: AsyncIterator<fileV1.UploadFileRequest>): AsyncGenerator<Buffer> {
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return;
      const part = next.value.part;
      if (part?.$case !== 'chunk') throw new AppError('invalid_argument', { detail: 'Only the first message of an upload may carry a header.' });
      if (part.chunk.length > 0) yield part.chunk;
    }
  } finally {
    await iterator.return?.();
  }
}
