import { createDatabase, type Database } from '@coffer/db';
import { describe } from 'vitest';
import { EMBEDDED_EVENTS_TABLE, EMBEDDED_STORE_SCHEMA, EmbeddedAuditStore } from '../src/store/embedded-audit-store.js';
import { auditStoreContract, type StoreUnderTest } from './audit-store.contract.js';

function openEmbedded(db: Database): StoreUnderTest {
  const store = new EmbeddedAuditStore(db);
  const table = () => db.knex.withSchema(EMBEDDED_STORE_SCHEMA).table(EMBEDDED_EVENTS_TABLE);
  return {
    store,
    tamper: {
      editData: async (seq, dataJson) => {
        await table().where({ seq }).update({ data_json: dataJson });
      },
      deleteRow: async (seq) => {
        await table().where({ seq }).delete();
      },
      // seq is unique: move one row out of the way first.
      swapSeq: async (a, b) => {
        await table().where({ seq: a }).update({ seq: -1 });
        await table().where({ seq: b }).update({ seq: a });
        await table().where({ seq: -1 }).update({ seq: b });
      },
      truncateFrom: async (seq) => {
        await table().where('seq', '>=', seq).delete();
      },
      replaceRow: async (row) => {
        await table().where({ seq: row.seq }).delete();
        await store.append([row]);
      },
      clear: async () => {
        await table().delete();
      },
    },
    close: () => db.close(),
  };
}

describe('EmbeddedAuditStore on PGlite (in memory)', () => {
  auditStoreContract(async () => openEmbedded(await createDatabase('pglite://memory')));
});
