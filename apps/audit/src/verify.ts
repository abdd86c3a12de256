import { createLogger } from '@coffer/platform';
import { loadAuditConfig } from './audit-config.js';
import { openAuditResources } from './audit-resources.js';
import { verifyChain } from './chain/verify-chain.js';

/**
 * `node apps/audit/dist/verify.js`: verifies the audit chain with the service's own config
 * (COFFER_AUDIT_STORE_URL, COFFER_DATABASE_URL, COFFER_AUDIT_KEYS_FILE / COFFER_DATA_DIR).
 * Prints one line per problem; exit code 0 when the chain is intact, 1 when problems were
 * found, 2 when the verification could not run.
 */
async function main(): Promise<number> {
  const config = loadAuditConfig();
  const logger = createLogger({ service: 'audit-verify', level: 'warn' });
  const resources = await openAuditResources(config, logger);
  try {
    const result = await verifyChain(resources.store, resources.checkpoints, resources.keys);
    for (const problem of result.problems) process.stdout.write(`${problem}\n`);
    process.stdout.write(`${result.ok ? 'OK' : 'PROBLEMS'}: ${result.rowsChecked} rows, ${result.checkpointsChecked} checkpoints checked\n`);
    return result.ok ? 0 : 1;
  } finally {
    await resources.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`verify failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
