import { integrationTestConfig } from '../../vitest.shared.js';

// vitest reads its config from the default export (the one place default exports are allowed).
// eslint-disable-next-line no-restricted-exports
export default integrationTestConfig();
