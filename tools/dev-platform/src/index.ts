/** @coffer/dev-platform: runs every Coffer service on one machine, for `make dev` and end-to-end tests. */
export { launchPlatform, type LaunchOptions, type RunningPlatform, type ServicePorts } from './launch-platform.js';
