import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createHmacKeyRingFile, generateHmacKey, HmacKeyRing, loadHmacKeyRingFile } from '@coffer/integrity';
import type { Logger } from '@coffer/platform';

/**
 * Loads the HMAC key ring that signs share-link tokens (mirrors auth's signing keys file).
 * With a file: reads it (rotation is editing it: add a key, restart every instance, make it
 * active, remove the old key once its links have expired — at most 30 days). A missing file is
 * created with one fresh key (mode 0600). Without a file: one ephemeral key, for tests and
 * single-process development only; links die with the process. Only key ids are logged.
 */
export async function loadLinkKeyRing(file: string | undefined, logger: Logger): Promise<HmacKeyRing> {
  if (file === undefined) {
    logger.warn('COFFER_LINK_KEYS_FILE is not set: signing share links with an ephemeral key (development only)');
    const key = generateHmacKey();
    return new HmacKeyRing({ activeKeyId: key.id, keys: [key] });
  }
  if (!existsSync(file)) {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const ring = await createHmacKeyRingFile(file);
    logger.info({ file, activeKeyId: ring.active.id }, 'created a new link keys file');
    return ring;
  }
  const ring = await loadHmacKeyRingFile(file);
  logger.info({ file, activeKeyId: ring.active.id, keyIds: ring.ids }, 'loaded the link keys file');
  return ring;
}
