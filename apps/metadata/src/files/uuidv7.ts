import { randomBytes } from 'node:crypto';

/**
 * A UUID version 7 (RFC 9562 §5.7): 48 bits of Unix time in milliseconds, the version nibble 7,
 * 12 random bits, the variant bits 10, 62 random bits. Ids made later sort after ids made
 * earlier (at millisecond resolution), so new rows land at the end of the primary-key index
 * instead of at random places in it.
 */
export function uuidv7(now: number = Date.now(), random: Buffer = randomBytes(10)): string {
  if (!Number.isSafeInteger(now) || now < 0 || now >= 2 ** 48) throw new RangeError(`now must be a Unix time in ms within 48 bits (got ${now})`);
  if (random.length < 10) throw new RangeError('random must hold at least 10 bytes');
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(now, 0, 6);
  random.copy(bytes, 6, 0, 10);
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The millisecond timestamp a {@link uuidv7} carries. */
export function uuidv7Time(id: string): number {
  return Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
}
