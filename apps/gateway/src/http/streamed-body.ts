import { once } from 'node:events';
import type { Response } from 'express';
import { toAppError, type Logger } from '@coffer/platform';

/**
 * Writes the chunks of a gRPC server stream as an HTTP body whose headers are already decided:
 * the next chunk is taken only when the client has taken the previous one (backpressure). A
 * failure after the headers went out destroys the connection, so the client sees a truncated
 * body, never a complete-looking wrong one; a client that leaves ends the writing.
 */
export async function writeStreamedBody(res: Response, chunks: AsyncIterable<Uint8Array>, failure: { logger: Logger; message: string; fields?: object }): Promise<void> {
  try {
    for await (const chunk of chunks) {
      if (!res.write(chunk)) await drainedOrClosed(res);
      if (res.destroyed) return;
    }
    res.end();
  } catch (error) {
    failure.logger.warn({ ...failure.fields, err: toAppError(error) }, failure.message);
    res.destroy();
  }
}

/**
 * Waits for 'drain' or 'close', then removes the listeners of both: a bare race of two `once`
 * calls leaves the loser's listeners behind at every backpressure pause of a large download
 * (MaxListenersExceededWarning, and a slow leak for the life of the response).
 */
async function drainedOrClosed(res: Response): Promise<void> {
  const done = new AbortController();
  try {
    await Promise.race([once(res, 'drain', { signal: done.signal }), once(res, 'close', { signal: done.signal })]);
  } finally {
    done.abort();
  }
}
