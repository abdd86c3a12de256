import { defineConfig } from 'vitest/config';

/**
 * Shared vitest settings. Unit tests live next to code (`*.test.ts`); integration tests that
 * need real engines or started services live in `<project>/test/` and run in the
 * `integration` target. The `@coffer/source` condition makes workspace packages resolve to
 * their TypeScript sources, so tests never run against stale `dist/` output.
 */
export function unitTestConfig() {
  return defineConfig({
    resolve: { conditions: ['@coffer/source'] },
    ssr: { resolve: { conditions: ['@coffer/source'] } },
    test: {
      include: ['src/**/*.test.ts'],
      environment: 'node',
      // Ceilings, not timing assertions: an embedded PostgreSQL (PGlite) can take well over 10 s
      // to open on a busy 2-core machine, and a hook that hits the ceiling fails its whole file.
      testTimeout: 20_000,
      hookTimeout: 60_000,
      pool: 'forks',
    },
  });
}

export function integrationTestConfig() {
  return defineConfig({
    resolve: { conditions: ['@coffer/source'] },
    ssr: { resolve: { conditions: ['@coffer/source'] } },
    test: {
      include: ['test/**/*.test.ts'],
      environment: 'node',
      testTimeout: 60_000,
      hookTimeout: 60_000,
      pool: 'forks',
      fileParallelism: false,
    },
  });
}
