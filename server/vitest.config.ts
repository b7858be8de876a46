import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // One graphql, as in production: Node (and so tsx, Apollo, graphql-ws, graphql-tools) loads
    // graphql's CommonJS main, while Vite would give our sources its `module` (ESM) copy. Two
    // copies break `instanceof` between a schema or error from one and a function of the other.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    // BAYLIGHT_TEST_ENGINE=postgres: one throwaway PostgreSQL cluster for the run.
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration files each start their own servers on free ports; two cores.
    maxWorkers: 2,
  },
});
