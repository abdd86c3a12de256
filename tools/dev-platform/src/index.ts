/** @coffer/dev-platform: runs every Coffer service on one machine, for `make dev` and end-to-end tests. */
export { launchPlatform, type LaunchOptions, type RunningPlatform } from './launch-platform.js';
export { contractViolations } from './contract-response-validator.js';
export { platformPorts, type PlatformPorts, type ServicePorts } from './platform-ports.js';
export { productionEngineEnv, type ProductionEngines } from './production-engine-env.js';
export { emptyAndRemoveBucket, s3ClientFor } from './s3-test-bucket.js';
