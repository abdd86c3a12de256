import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '@coffer/platform';
import { createHmacKeyRingFile, generateHmacKey, HmacKeyRing, loadHmacKeyRingFile } from './hmac-key-ring.js';

/**
 * A service's key ring from its file: loaded when the file exists, created with one fresh key
 * when it does not (first start of a node or of `make dev`). Without a file: an ephemeral ring,
 * for tests and single-process development only — whatever it protected cannot be verified or
 * opened after a restart. `what` names the ring in logs (for example "content key ring").
 */
export async function openKeyRing(file: string | undefined, what: string, logger: Logger): Promise<HmacKeyRing> {
  if (file === undefined) {
    logger.warn({ key_ring: what }, 'no key ring file is configured: using an ephemeral key (development only)');
    const key = generateHmacKey();
    return new HmacKeyRing({ activeKeyId: key.id, keys: [key] });
  }
  if (existsSync(file)) return loadHmacKeyRingFile(file);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const ring = await createHmacKeyRingFile(file);
  logger.info({ key_ring: what, key_id: ring.active.id }, 'created a new key ring file');
  return ring;
}
