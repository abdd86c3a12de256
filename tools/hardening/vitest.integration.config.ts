import { integrationTestConfig } from '../../vitest.shared.js';

// Every file in test/ runs in `make test`: the abuse suite, the contract fuzzing (CI budget) and
// the fault-injection subset (SIGKILL postgres, SIGSTOP kafka, SIGKILL file, SIGSTOP policy under
// the mixed workload). The whole fault matrix, the long fuzzing and the 10-minute load run are
// `make harden` (docs/security/README.md).
export default integrationTestConfig();
