import { Readable } from 'node:stream';

/** `total` bytes made of one block repeated, produced as they are read (never held whole). */
export function generatedBody(total: number, block: Buffer): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const size = Math.min(block.length, total - sent);
      sent += size;
      this.push(size === block.length ? block : block.subarray(0, size));
    },
  });
}
