import { createDatabase } from '@coffer/db';
import { registerOutboxContract } from '../test/outbox.contract.js';

// PGlite is the embedded engine services run on in dev; the same suite runs on PostgreSQL in
// test/postgres.test.ts.
registerOutboxContract({ engine: 'pglite', openDatabase: () => createDatabase('pglite://memory') });
