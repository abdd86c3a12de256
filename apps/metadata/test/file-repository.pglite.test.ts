import { createDatabase } from '@coffer/db';
import { describe } from 'vitest';
import { fileRepositoryContract } from './file-repository.contract.js';

describe('KnexFileRepository on embedded PGlite (in memory)', () => {
  fileRepositoryContract(() => createDatabase('pglite://memory'));
});
