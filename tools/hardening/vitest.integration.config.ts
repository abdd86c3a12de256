import { integrationTestConfig } from '../../vitest.shared.js';

const config = integrationTestConfig();

// The fault-injection subset (test/fault-injection.e2e.test.ts) is not in `make test` yet: its
// first runs lost events while other platforms shared the broker's consumer groups, and a killed
// service's restart was not yet reliable (docs/security/fault-injection.md). It runs on demand:
// `COFFER_FAULTS=1 npx vitest run --config vitest.integration.config.ts test/fault-injection.e2e.test.ts`
// here, or `make harden HARDEN_ARGS='--only faults'` for the whole matrix.
if (process.env['COFFER_FAULTS'] !== '1') config.test = { ...config.test, exclude: ['test/fault-injection.e2e.test.ts'] };

export default config;
