// One flat config for every workspace; typed rules through each package's tsconfig.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/.next/**',
      '**/dist/**',
      '**/.turbo/**',
      'server/src/generated/**',
      'web/src/gql/**',
      'web/public/**',
      'drizzle/migrations/**',
      'drizzle/migrations-pg/**',
      'e2e/test-results/**',
      'e2e/playwright-report/**',
      '**/next-env.d.ts',
      '**/*.config.js',
      '**/*.config.mjs',
      'scripts/**',
      'web/scripts/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Only the config module reads the environment (server).
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through server/src/config.' },
      ],
    },
  },
  {
    // Places that legitimately read the environment: the config modules, tools and tests' launchers.
    files: [
      'server/src/config/**',
      'web/src/config.ts',
      'web/next.config.ts',
      'simulator/src/cli.ts',
      // The conformance kit's command line, the adapter it runs, and its launcher of the
      // controller under test (which passes the caller's environment on to it).
      'conformance/src/cli.ts',
      'conformance/src/adapters/**',
      'conformance/src/controller-mode/process.ts',
      'conformance/test/**',
      'e2e/**',
      'server/test/**',
      'server/bench/**',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Tests read untyped JSON answers from the API; asserting on them is the point.
    files: ['**/test/**', '**/*.test.ts', 'e2e/**'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // The simulator stands in for third-party firmware, and the conformance kit knows the
    // protocol only from PROTOCOL.md and schema.graphql: neither may import the server's code.
    files: ['simulator/**', 'conformance/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/server/**', '@baylight/server*'] }],
    },
  },
);
