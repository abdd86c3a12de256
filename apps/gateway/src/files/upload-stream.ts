import { once } from 'node:events';
import type { Readable } from 'node:stream';
import type { fileV1 } from '@coffer/contracts';
import { coalesceChunks, fromGrpcError, STREAM_MESSAGE_BYTES, toAppError, type AppError } from '@coffer/platform';

/** Called with each chunk's size before it is forwarded; throws to stop the upload (a byte rate limit). */
export type ByteBudget = (bytes: number) => Promise<void>;

/**
 * Streams `body` to the file service's UploadFile: the header first, then the bytes as they
 * arrive. Backpressure end to end: the next chunk is read from `body` only after gRPC has
 * taken the previous one, so the gateway holds at most a few chunks of any upload in memory.
 *
 * When the file service refuses early (quota, permissions) the body stops being read and the
 * promise rejects with its error; when the body fails (the client went away) the call is
 * cancelled, so the file service discards what it stored.
 */
export function streamUpload(
  files: fileV1.FileServiceClient,
  header: fileV1.UploadHeader,
  body: Readable,
  budget?: ByteBudget,
): Promise<fileV1.UploadFileResponse> {
  return new Promise<fileV1.UploadFileResponse>((resolve, reject: (error: AppError) => void) => {
    let settled = false;
    let answered: () => void = () => undefined;
    const answer = new Promise<void>((resolveAnswer) => (answered = resolveAnswer));
    const call = files.uploadFile((error, response) => {
      settled = true;
      answered();
      if (error) reject(fromGrpcError(error));
      else resolve(response);
    });
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      answered();
      call.cancel();
      reject(toAppError(error));
    };
    const pump = async () => {
      call.write({ part: { $case: 'header', header } });
      // Reads of 16–64 KiB joined into messages of STREAM_MESSAGE_BYTES: fewer, larger gRPC messages.
      for await (const chunk of coalesceChunks(body as AsyncIterable<Buffer>, STREAM_MESSAGE_BYTES)) {
        if (settled) break;
        if (budget) await budget(chunk.length);
        if (settled) break;
        if (!call.write({ part: { $case: 'chunk', chunk } })) await Promise.race([once(call, 'drain'), answer]);
      }
      if (!settled) call.end();
    };
    pump().catch(fail);
  });
}
