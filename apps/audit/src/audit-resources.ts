import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createDatabase, type Database } from '@coffer/db';
import { createHmacKeyRingFile, generateHmacKey, HmacKeyRing, loadHmacKeyRingFile } from '@coffer/integrity';
import type { Logger } from '@coffer/platform';
import type { AuditConfig } from './audit-config.js';
import { KnexCheckpointStore } from './chain/checkpoint-store.js';
import type { AuditStore } from './store/audit-store.js';
import { ClickHouseAuditStore } from './store/clickhouse-audit-store.js';
import { EmbeddedAuditStore } from './store/embedded-audit-store.js';

/** What main.ts and verify.ts both open from the config. */
export interface AuditResources {
  readonly db: Database;
  readonly store: AuditStore;
  readonly checkpoints: KnexCheckpointStore;
  readonly keys: HmacKeyRing;
  close(): Promise<void>;
}

/**
 * Opens the database, the store and the key ring, and applies both migrations (the store's and
 * the checkpoints'). The key ring: COFFER_AUDIT_KEYS_FILE, or `<COFFER_DATA_DIR>/audit/checkpoint-keys.json`
 * created on first start; with neither, an ephemeral key (development only: checkpoints signed
 * with it cannot be verified after a restart).
 */
export async function openAuditResources(config: AuditConfig, logger: Logger): Promise<AuditResources> {
  if (config.databaseUrl.startsWith('pglite:///')) await mkdir(config.databaseUrl.slice('pglite://'.length), { recursive: true });
  const db = await createDatabase(config.databaseUrl);
  try {
    const store: AuditStore = config.store.kind === 'clickhouse' ? new ClickHouseAuditStore({ url: config.store.url, database: config.store.database }) : new EmbeddedAuditStore(db);
    const checkpoints = new KnexCheckpointStore(db);
    const keys = await loadKeys(config.keysFile, logger);
    const storeApplied = await store.migrate();
    const checkpointApplied = await checkpoints.migrate();
    logger.info({ store: store.kind, database: db.displayUrl, applied: [...storeApplied, ...checkpointApplied] }, 'audit schema migrated');
    return {
      db,
      store,
      checkpoints,
      keys,
      close: async () => {
        await store.close();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

async function loadKeys(file: string | undefined, logger: Logger): Promise<HmacKeyRing> {
  if (file === undefined) {
    logger.warn('COFFER_AUDIT_KEYS_FILE and COFFER_DATA_DIR are not set: checkpoints are signed with an ephemeral key (development only)');
    const key = generateHmacKey();
    return new HmacKeyRing({ activeKeyId: key.id, keys: [key] });
  }
  try {
    return await loadHmacKeyRingFile(file);
  } catch (error) {
    await mkdir(dirname(file), { recursive: true });
    try {
      const ring = await createHmacKeyRingFile(file);
      logger.warn({ file }, 'created a new audit checkpoint key ring');
      return ring;
    } catch {
      throw error;
    }
  }
}
