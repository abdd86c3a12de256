/**
 * How long a test hook may take to start PGlite: loading the WASM build and initialising a
 * cluster takes seconds alone and over a minute on a 2-core machine running several suites at
 * once (seen in CI). A ceiling for hooks, not a timing assertion.
 */
export const PGLITE_START_TIMEOUT_MS = 180_000;
