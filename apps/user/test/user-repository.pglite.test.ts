import { createDatabase } from '@coffer/db';
import { describe } from 'vitest';
import { userRepositoryContract } from './user-repository.contract.js';

describe('KnexUserRepository on embedded PGlite (in memory)', () => {
  userRepositoryContract(() => createDatabase('pglite://memory'));
});
