import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHmacKeyRingFile, generateHmacKey, HmacKeyRing, loadHmacKeyRingFile } from '@coffer/integrity';
import type { Logger } from '@coffer/platform';

/**
 * The HMAC key ring of content MACs. COFFER_CONTENT_KEYS_FILE names it; without it, a file
 * under COFFER_DATA_DIR is used. A missing file is created with one fresh key (first start of
 * a node or of `make dev`). With neither set: an ephemeral ring, for tests and single-process
 * development only — content stored with it cannot be verified after a restart.
 */
export async function loadContentKeyRing(keysFile: string | undefined, dataDir: string | undefined, logger: Logger): Promise<HmacKeyRing> {
  const file = keysFile ?? (dataDir === undefined ? undefined : join(dataDir, 'file', 'content-keys.json'));
  if (file === undefined) {
    logger.warn('COFFER_CONTENT_KEYS_FILE and COFFER_DATA_DIR are not set: content HMACs use an ephemeral key (development only)');
    const key = generateHmacKey();
    return new HmacKeyRing({ activeKeyId: key.id, keys: [key] });
  }
  if (existsSync(file)) return loadHmacKeyRingFile(file);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const ring = await createHmacKeyRingFile(file);
  logger.info({ key_id: ring.active.id }, 'created a new content key ring file');
  return ring;
}

/**
 * COFFER_OBJECT_STORE_URL, or `file://<COFFER_DATA_DIR>/file/objects`, or a fresh temporary
 * folder (development only: gone with the machine's temp files).
 */
export async function resolveObjectStoreUrl(url: string | undefined, dataDir: string | undefined, logger: Logger, makeTempDir: () => Promise<string>): Promise<string> {
  if (url !== undefined) return url;
  if (dataDir !== undefined) return pathToFileURL(join(dataDir, 'file', 'objects')).href;
  const dir = await makeTempDir();
  logger.warn({ dir }, 'COFFER_OBJECT_STORE_URL and COFFER_DATA_DIR are not set: objects go to a temporary folder (development only)');
  return pathToFileURL(dir).href;
}
