import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ValidationPlugin from '@pothos/plugin-validation';
import { GraphQLError } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { config } from '../config.js';
import type PrismaTypes from '../generated/pothos-types.js';
import { getDatamodel } from '../generated/pothos-types.js';
import type { Role } from '../generated/prisma/enums.js';
import { ValidationError } from '../lib/errors.js';
import { hasPermission, hasRole, type Permission } from '../modules/auth/viewer.js';
import type { Context } from './context.js';

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: { authenticated: boolean; minRole: Role; permission: Permission; superadmin: boolean };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
    /** A token standing for a file staged from a multipart request (see src/modules/uploads). */
    Upload: { Input: string; Output: never };
  };
  DefaultFieldNullability: false;
}>({
  // Scope-auth first so authorization runs before any other plugin's wrapping.
  plugins: [ScopeAuthPlugin, ErrorsPlugin, ValidationPlugin, PrismaPlugin, RelayPlugin, ComplexityPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (ctx) => ({
      authenticated: ctx.viewer !== null,
      minRole: (role) => ctx.viewer !== null && hasRole(ctx.viewer, role),
      permission: (permission) => ctx.viewer !== null && hasPermission(ctx.viewer, permission),
      superadmin: ctx.viewer?.isSuperadmin === true,
    }),
    unauthorizedError: (_parent, ctx, info) =>
      ctx.viewer
        ? new GraphQLError(`Not allowed to access ${info.parentType.name}.${info.fieldName}`, {
            extensions: { code: 'FORBIDDEN' },
          })
        : new GraphQLError(ctx.authFailure ?? 'Authentication required', {
            extensions: { code: 'UNAUTHENTICATED' },
          }),
  },
  errors: {
    defaultTypes: [ValidationError],
    directResult: true,
    unsafelyHandleInputErrors: true,
  },
  validation: {
    validationError: (result) =>
      new ValidationError(
        result.issues.map((issue) => issue.message).join('; '),
        result.issues.map((issue) => ({
          path: (issue.path ?? []).map((p) => (typeof p === 'object' ? String(p.key) : String(p))).join('.'),
          message: issue.message,
        })),
      ),
  },
  prisma: {
    client: (ctx) => ctx.db,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: config.env === 'production' ? null : 'warn',
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeQueryOptions: { authScopes: { authenticated: true } },
    nodesQueryOptions: { authScopes: { authenticated: true } },
  },
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
    limit: {
      complexity: config.graphqlLimits.maxComplexity,
      depth: config.graphqlLimits.maxDepth,
      breadth: config.graphqlLimits.maxBreadth,
    },
  },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);

builder.queryType({});
builder.mutationType({});
