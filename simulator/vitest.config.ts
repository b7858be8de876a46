import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
    // The controller tests run a real WebSocket server on an ephemeral port;
    // give them room on a busy 2-core machine.
    testTimeout: 20_000,
    // The fake server in src/testing builds a schema with 'graphql', which
    // Vite resolves to its ESM build; graphql-ws, left to Node, would load the
    // CommonJS build: two graphql instances that refuse each other's schema.
    // Inlining graphql-ws makes both go through Vite.
    server: { deps: { inline: ['graphql-ws'] } },
  },
});
