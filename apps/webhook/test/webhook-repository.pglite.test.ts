import { createDatabase } from '@coffer/db';
import { describe } from 'vitest';
import { webhookRepositoryContract } from './webhook-repository.contract.js';

describe('KnexWebhookRepository on embedded PGlite (in memory)', () => {
  webhookRepositoryContract(() => createDatabase('pglite://memory'));
});
