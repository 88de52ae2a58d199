import { GraphQLError } from 'graphql';
import { builder } from '../../graphql/builder.js';

// Files arrive as GraphQL multipart requests and are streamed to temp storage before the operation
// runs (graphql-multipart.ts); the variable then holds a token for the staged file in `ctx.uploads`.
builder.scalarType('Upload', {
  description:
    'A file sent as a part of a GraphQL multipart request (github.com/jaydenseric/graphql-multipart-request-spec). Input only.',
  serialize: () => {
    throw new GraphQLError('Upload is an input-only scalar');
  },
  parseValue: (value) => {
    if (typeof value === 'string' && value.startsWith('upload:')) return value;
    throw new GraphQLError('Upload values must be sent as files of a multipart request');
  },
  parseLiteral: () => {
    throw new GraphQLError('Upload values must be sent as files of a multipart request');
  },
});
