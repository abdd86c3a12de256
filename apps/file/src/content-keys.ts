import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openKeyRing, type HmacKeyRing } from '@coffer/integrity';
import type { Logger } from '@coffer/platform';

/**
 * The HMAC key ring of content MACs. COFFER_CONTENT_KEYS_FILE names it; without it, a file
 * under COFFER_DATA_DIR is used (created with one fresh key when missing). With neither set:
 * an ephemeral ring, for tests and single-process development only — content stored with it
 * cannot be verified after a restart.
 */
export function loadContentKeyRing(keysFile: string | undefined, dataDir: string | undefined, logger: Logger): Promise<HmacKeyRing> {
  return openKeyRing(keysFile ?? (dataDir === undefined ? undefined : join(dataDir, 'file', 'content-keys.json')), 'content key ring', logger);
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
