import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { generateSigningKey, importSigningKey, SigningKeyRing, type StoredSigningKey } from '@coffer/access-tokens';
import type { Logger } from '@coffer/platform';

/**
 * Loads the signing keys. With a keys file: reads it (a JSON array of stored keys; rotation is
 * editing the file: add a new key, set `retiredAt` on the old one, restart). A missing file is
 * created with one new key (first start of a node or of `make dev`). Without a file: one
 * ephemeral key, for tests and single-process development only — tokens die with the process.
 */
export async function loadSigningKeyRing(file: string | undefined, maxTokenTtlMs: number, logger: Logger): Promise<SigningKeyRing> {
  let stored: StoredSigningKey[];
  if (file === undefined) {
    logger.warn('COFFER_SIGNING_KEYS_FILE is not set: signing with an ephemeral key (development only)');
    stored = [await generateSigningKey('ES256')];
  } else if (!existsSync(file)) {
    stored = [await generateSigningKey('ES256')];
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    logger.info({ kid: stored[0]?.kid }, 'created a new signing keys file');
  } else {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (!Array.isArray(parsed)) throw new Error(`${file}: expected a JSON array of signing keys`);
    stored = parsed as StoredSigningKey[];
  }
  return new SigningKeyRing(await Promise.all(stored.map(importSigningKey)), maxTokenTtlMs);
}
