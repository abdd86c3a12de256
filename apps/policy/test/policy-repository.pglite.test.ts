import { createDatabase } from '@coffer/db';
import { describe } from 'vitest';
import { policyRepositoryContract } from './policy-repository.contract.js';

describe('KnexPolicyRepository on embedded PGlite (in memory)', () => {
  policyRepositoryContract(() => createDatabase('pglite://memory'));
});
