import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for the web app from the one contract. Fragment masking is off:
// the board is small and passing plain typed objects keeps components simple.
const config: CodegenConfig = {
  schema: '../schema.graphql',
  documents: ['src/**/*.{ts,tsx}', 'app/**/*.tsx', '!src/gql/**', '!src/sw/**'],
  ignoreNoDocuments: true,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', SafeInt: 'number', EventSeq: 'number', EventKindName: 'string' },
        avoidOptionals: false,
        maybeValue: 'T | null',
      },
    },
  },
};
export default config;
