import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed SDK: TypedDocumentNodes for the operations in schema/operations, generated from the committed
// SDL (schema/schema.graphql), so it needs neither a running server nor the network.
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['schema/operations/**/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'sdk/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        // What the scalars look like on the wire (JSON), not in the server's resolvers.
        scalars: { DateTime: 'string', JSON: 'unknown', ID: 'string' },
        // Imports in the generated files end in `.js`, as NodeNext resolution requires.
        emitLegacyCommonJSImports: false,
      },
    },
  },
};

export default config;
