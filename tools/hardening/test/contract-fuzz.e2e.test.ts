import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFindings, ensureSchemathesis, runContractFuzz } from '../src/fuzz/index.js';

/**
 * Contract fuzzing, the fast part (issue 11): Schemathesis over the contract the gateway
 * serves, as a real signed-in user, against the whole platform on the production engines. A
 * bounded budget; `make harden` runs the same with a large one. Any 5xx or answer that breaks
 * openapi/coffer.yaml fails, quoting the operation and the check.
 */
const FAST_MAX_EXAMPLES = 5;

describe('contract fuzzing (Schemathesis, production engines)', () => {
  const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const reportDir = mkdtempSync(join(tmpdir(), 'coffer-contract-fuzz-'));
  let executable: string;
  let passed = false;
  // A fresh clone installs Schemathesis from PyPI first (minutes); later runs reuse the venv.
  beforeAll(() => {
    executable = ensureSchemathesis(rootDir);
  }, 900_000);
  // A failed run keeps its report (JUnit, Schemathesis' log with a curl line per failure).
  afterAll(() => passed && rmSync(reportDir, { recursive: true, force: true }));

  it('finds no 5xx and no answer that violates the contract', async () => {
    const result = await runContractFuzz({ rootDir, executable, maxExamples: FAST_MAX_EXAMPLES, reportDir, seed: 11 });
    console.log(
      `contract fuzzing: ${result.operations} operations, ${result.cases} cases, failures ${JSON.stringify(result.failuresByCheck)}, 5xx ${result.serverErrors}, errors ${result.errors.length}`,
    );
    // Every operation of the contract was reached, and many cases were sent: the run was real.
    expect(result.operations).toBeGreaterThanOrEqual(45);
    expect(result.cases).toBeGreaterThan(1_000);
    expect(describeFindings(result), `schemathesis found problems (log: ${result.logFile})`).toBe('');
    expect(result.serverErrors).toBe(0);
    expect(result.exitCode).toBe(0);
    passed = true;
  }, 600_000);
});
