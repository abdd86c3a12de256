/**
 * Larger messages for a byte-streaming gRPC call. HTTP bodies and S3 streams arrive in reads of
 * 16–64 KiB; sent one message each, every read pays grpc-js's per-message costs (framing, the
 * protobuf envelope, a write callback) on both ends. This joins consecutive reads until at least
 * `minBytes` are held, then yields them as one buffer; the tail is yielded when the source ends.
 * Memory stays bounded: at most `minBytes` plus one read are held at a time. A read of
 * `minBytes` or more passes through without a copy.
 */
export async function* coalesceChunks(source: AsyncIterable<Uint8Array>, minBytes: number): AsyncGenerator<Buffer, void, undefined> {
  if (!Number.isInteger(minBytes) || minBytes < 1) throw new RangeError(`coalesceChunks: minBytes must be a positive integer, got ${minBytes}`);
  let held: Buffer[] = [];
  let heldBytes = 0;
  for await (const read of source) {
    if (read.length === 0) continue;
    const chunk = Buffer.isBuffer(read) ? read : Buffer.from(read.buffer, read.byteOffset, read.length);
    if (heldBytes === 0 && chunk.length >= minBytes) {
      yield chunk;
      continue;
    }
    held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes >= minBytes) {
      const joined = held.length === 1 ? chunk : Buffer.concat(held, heldBytes);
      held = [];
      heldBytes = 0;
      yield joined;
    }
  }
  if (heldBytes > 0) yield held.length === 1 ? (held[0] as Buffer) : Buffer.concat(held, heldBytes);
}

/** The message size byte streams between Coffer services aim for (well under the 8 MiB limit). */
export const STREAM_MESSAGE_BYTES = 512 * 1024;
